package io.kubevde.vdeplug.cli;

import io.kubevde.vdeplug.ffi.LibC;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code dpipe} (vde-protocols.md §10.2): {@code dpipe [opts] CMD1 ARGS = CMD2 ARGS} runs both commands with CMD1's
 * stdout piped to CMD2's stdin and CMD2's stdout piped to CMD1's stdin (two kernel pipes; the JVM copies no data),
 * stderr inherited, waits for both and exits with CMD2's exit status.
 *
 * <p>Choices where the C tool differs: only the two-command form is supported; three or more commands
 * ({@code ALTERNATE_STDIN/STDOUT}) and the one-directional {@code =} {@code }} forms are refused with a usage
 * error (a JVM cannot place extra pipes at fds 3/4 of a child). {@code -n}/{@code -N} (no wrapper process) are accepted
 * but a JVM cannot exec() into the last command, so the Java dpipe always stays as the wrapper; a warning says so.
 * SIGTERM/SIGINT/SIGHUP end both children (SIGTERM, then SIGKILL after 2 s) and remove the pid/pgrp files.
 */
@Command(name = "dpipe", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Bidirectional pipe: CMD1's stdout -> CMD2's stdin and CMD2's stdout -> CMD1's stdin.")
public final class DpipeMain implements Callable<Integer> {

    @Option(names = {"-d", "--daemon"}, description = "run detached (re-executed under setsid)")
    boolean daemon;

    @Option(names = {"-p", "--pidfile"}, paramLabel = "PIDFILE", description = "write dpipe's process id to PIDFILE")
    Path pidfile;

    @Option(names = {"-P", "--pgrpfile"}, paramLabel = "PGRPFILE", description = "write the negative process group id to PGRPFILE")
    Path pgrpfile;

    @Option(names = {"-n", "--nowrapproc"}, description = "accepted; the Java dpipe always keeps its wrapper process (warning)")
    boolean noWrapper;

    @Option(names = {"-N", "--nowrapnoclean"}, description = "accepted; as -n")
    boolean noWrapperNoClean;

    @Parameters(paramLabel = "CMD", arity = "1..*", description = "CMD1 ARGS = CMD2 ARGS")
    List<String> words = new ArrayList<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Splits the words at {@code =} tokens; refuses the forms this dpipe does not support. */
    List<List<String>> commands() {
        List<List<String>> cmds = new ArrayList<>();
        List<String> cur = new ArrayList<>();
        for (String w : words) {
            if (w.equals("=")) {
                cmds.add(cur);
                cur = new ArrayList<>();
            } else if (w.equals("=}") || w.equals("}=") || w.equals("={") || w.equals("{=")) {
                throw usage("the one-directional forms '=}' '}=' '={' '{=' are not supported by the Java dpipe");
            } else {
                cur.add(w);
            }
        }
        cmds.add(cur);
        if (cmds.size() < 2) throw usage("needs two commands separated by '=' (dpipe CMD1 ARGS = CMD2 ARGS)");
        for (List<String> c : cmds) if (c.isEmpty()) throw usage("'=' at the start or the end, or an empty command");
        if (cmds.size() > 2) {
            throw usage("only two commands are supported by the Java dpipe (no ALTERNATE_STDIN/ALTERNATE_STDOUT chains)");
        }
        return cmds;
    }

    private CommandLine.ParameterException usage(String msg) {
        return new CommandLine.ParameterException(spec.commandLine(), "dpipe: " + msg);
    }

    @Override
    public Integer call() throws Exception {
        List<List<String>> cmds = commands();
        if (noWrapper || noWrapperNoClean) {
            System.err.println("dpipe: warning: -n/-N are accepted but the Java dpipe keeps its wrapper process");
        }
        if (daemon && !Daemon.isChild()) return Daemon.spawn(Optional.ofNullable(pidfile));
        int[] ab = pipe(); // CMD1 stdout -> CMD2 stdin
        int[] ba = pipe(); // CMD2 stdout -> CMD1 stdin
        List<Process> procs = new java.util.concurrent.CopyOnWriteArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(procs)));
        try {
            procs.add(start(cmds.get(0), ba[0], ab[1]));
            procs.add(start(cmds.get(1), ab[0], ba[1]));
        } catch (IOException e) {
            System.err.println("dpipe: " + e.getMessage());
            procs.forEach(Process::destroy);
            return 1;
        } finally {
            for (int fd : new int[] {ab[0], ab[1], ba[0], ba[1]}) LibC.INSTANCE.close(fd);
        }
        if (pidfile != null) Daemon.writePidFile(pidfile, ProcessHandle.current().pid());
        if (pgrpfile != null) Daemon.writePidFile(pgrpfile, -processGroup());
        int status = 0;
        for (int i = 0; i < procs.size(); i++) {
            int s = procs.get(i).waitFor();
            if (i == procs.size() - 1) status = s;
        }
        return status;
    }

    private static Process start(List<String> argv, int stdinFd, int stdoutFd) throws IOException {
        try {
            return new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/proc/self/fd/" + stdinFd)))
                    .redirectOutput(ProcessBuilder.Redirect.to(new File("/proc/self/fd/" + stdoutFd)))
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
        } catch (IOException e) {
            throw new IOException("cannot start '" + String.join(" ", argv) + "': " + e.getMessage(), e);
        }
    }

    private static void stop(List<Process> procs) {
        for (Process p : procs) {
            if (!p.isAlive()) continue;
            p.destroy();
        }
        for (Process p : procs) {
            try {
                if (!p.waitFor(2, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly();
            } catch (InterruptedException e) {
                p.destroyForcibly();
            }
        }
    }

    private static int[] pipe() throws IOException {
        int[] fds = new int[2];
        if (LibC.INSTANCE.pipe2(fds, LibC.O_CLOEXEC) < 0) {
            throw new IOException("pipe: " + LibC.message(LibC.errno()));
        }
        return fds;
    }

    /** This process's process group id, from {@code /proc/self/stat} (field 5). */
    static long processGroup() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[2]);
    }

    /** Entry point; exits with the last command's status (1 when a command cannot start, 2 for usage). */
    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new DpipeMain());
        cl.setStopAtPositional(true);
        System.exit(cl.execute(args));
    }
}
