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
 * {@code dpipe} (vde-protocols.md §10.2): {@code dpipe [opts] CMD1 ARGS = CMD2 ARGS} runs both
 * commands with CMD1's stdout piped to CMD2's stdin and CMD2's stdout piped to CMD1's stdin (two
 * kernel pipes; the JVM copies no data), stderr inherited, waits for both and exits with CMD2's
 * exit status.
 *
 * <p>Three or more commands ({@code ALTERNATE_STDIN/STDOUT} chains) and the one-directional {@code
 * =}}/{@code }=} and <code>={</code>/<code>{=</code> forms are planned by {@link PipeTopology};
 * commands that need fds 3/4 get them through a tiny {@code sh -c 'exec 3<… 4>…; exec "$@"'} (a JVM
 * cannot place extra fds in a child). {@code -n}/{@code -N} (no wrapper process) are accepted but a
 * JVM cannot exec() into the last command, so the Java dpipe always stays as the wrapper; a warning
 * says so. SIGTERM/SIGINT/SIGHUP end both children (SIGTERM, then SIGKILL after 2 s) and remove the
 * pid/pgrp files.
 */
@Command(
    name = "dpipe",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description =
        "Bidirectional pipe: CMD1's stdout -> CMD2's stdin and CMD2's stdout -> CMD1's stdin.")
public final class DpipeMain implements Callable<Integer> {
  static {
    CliLogging.configure(); // before any logger exists
  }

  @Option(
      names = {"-d", "--daemon"},
      description = "run detached (re-executed under setsid)")
  boolean daemon;

  @Option(
      names = {"-p", "--pidfile"},
      paramLabel = "PIDFILE",
      description = "write dpipe's process id to PIDFILE")
  Path pidfile;

  @Option(
      names = {"-P", "--pgrpfile"},
      paramLabel = "PGRPFILE",
      description = "write the negative process group id to PGRPFILE")
  Path pgrpfile;

  @Option(
      names = {"-n", "--nowrapproc"},
      description = "accepted; the Java dpipe always keeps its wrapper process (warning)")
  boolean noWrapper;

  @Option(
      names = {"-N", "--nowrapnoclean"},
      description = "accepted; as -n")
  boolean noWrapperNoClean;

  @Parameters(
      paramLabel = "CMD",
      arity = "1..*",
      description =
          "CMD1 ARGS = CMD2 ARGS [= CMD3 ARGS ...]; '=} CMD }=' / '={ CMD {=' make an intermediate command one-directional")
  List<String> words = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** Plans the pipes for the words; a usage error when the separators do not make sense. */
  PipeTopology topology() {
    PipeTopology.Result r = PipeTopology.plan(words);
    return r.topology().orElseThrow(() -> usage(r.error()));
  }

  private CommandLine.ParameterException usage(String msg) {
    return new CommandLine.ParameterException(spec.commandLine(), "dpipe: " + msg);
  }

  @Override
  public Integer call() throws Exception {
    PipeTopology plan = topology();
    if (noWrapper || noWrapperNoClean) {
      System.err.println(
          "dpipe: warning: -n/-N are accepted but the Java dpipe keeps its wrapper process");
    }
    if (daemon && !Daemon.isChild()) return Daemon.spawn(Optional.ofNullable(pidfile));
    int[][] pipes = new int[plan.pipes()][];
    List<Process> procs = new java.util.concurrent.CopyOnWriteArrayList<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(procs)));
    try {
      for (int i = 0; i < pipes.length; i++) pipes[i] = pipe();
      for (PipeTopology.Wiring w : plan.commands()) procs.add(start(w, pipes));
      awaitAlternateFds(plan, procs, pipes);
    } catch (IOException e) {
      System.err.println("dpipe: " + e.getMessage());
      procs.forEach(Process::destroy);
      return 1;
    } finally {
      for (int[] p : pipes) {
        if (p == null) continue;
        LibC.INSTANCE.close(p[0]);
        LibC.INSTANCE.close(p[1]);
      }
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

  /**
   * fd numbers given to intermediate commands as {@code ALTERNATE_STDIN} and {@code
   * ALTERNATE_STDOUT}.
   */
  static final int ALT_IN_FD = 3;

  static final int ALT_OUT_FD = 4;

  /**
   * Starts one command. stdin/stdout are redirected from/to {@code /proc/self/fd/N} of the JVM's
   * pipe ends. A command with alternate fds is started through {@code sh -c 'exec 3<R 4>W; exec
   * "$@"'} with R/W the JVM's pipe ends as {@code /proc/<jvm pid>/fd/N} (ProcessBuilder can only
   * set fds 0-2); the shell only places the fds and then execs the command, and {@code
   * ALTERNATE_STDIN=3}, {@code ALTERNATE_STDOUT=4} are set in its environment.
   */
  private static Process start(PipeTopology.Wiring w, int[][] pipes) throws IOException {
    List<String> argv = w.argv();
    ProcessBuilder pb;
    if (w.alternate()) {
      String self = "/proc/" + ProcessHandle.current().pid() + "/fd/";
      String in = w.altIn() >= 0 ? self + pipes[w.altIn()][0] : "/dev/null";
      String out = w.altOut() >= 0 ? self + pipes[w.altOut()][1] : "/dev/null";
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "sh",
                  "-c",
                  "exec "
                      + ALT_IN_FD
                      + "<\"$1\" "
                      + ALT_OUT_FD
                      + ">\"$2\" || exit 126; shift 2; exec \"$@\"",
                  "dpipe",
                  in,
                  out));
      cmd.addAll(argv);
      pb = new ProcessBuilder(cmd);
      pb.environment().put("ALTERNATE_STDIN", Integer.toString(ALT_IN_FD));
      pb.environment().put("ALTERNATE_STDOUT", Integer.toString(ALT_OUT_FD));
    } else {
      pb = new ProcessBuilder(argv);
    }
    try {
      return pb.redirectInput(
              ProcessBuilder.Redirect.from(new File("/proc/self/fd/" + pipes[w.stdin()][0])))
          .redirectOutput(
              ProcessBuilder.Redirect.to(new File("/proc/self/fd/" + pipes[w.stdout()][1])))
          .redirectError(ProcessBuilder.Redirect.INHERIT)
          .start();
    } catch (IOException e) {
      throw new IOException("cannot start '" + String.join(" ", argv) + "': " + e.getMessage(), e);
    }
  }

  /**
   * Waits (at most 30 s) until every command with alternate fds has opened them (its fd 3/4 link to
   * our pipes), so the JVM can close its own pipe ends (else no command would ever see EOF).
   */
  private static void awaitAlternateFds(PipeTopology plan, List<Process> procs, int[][] pipes)
      throws IOException {
    long deadline = System.currentTimeMillis() + 30_000;
    for (int i = 0; i < procs.size(); i++) {
      PipeTopology.Wiring w = plan.commands().get(i);
      if (!w.alternate()) continue;
      Process p = procs.get(i);
      String wantIn = w.altIn() >= 0 ? link("/proc/self/fd/" + pipes[w.altIn()][0]) : null;
      String wantOut = w.altOut() >= 0 ? link("/proc/self/fd/" + pipes[w.altOut()][1]) : null;
      while (p.isAlive()) {
        boolean inOk =
            wantIn == null || wantIn.equals(link("/proc/" + p.pid() + "/fd/" + ALT_IN_FD));
        boolean outOk =
            wantOut == null || wantOut.equals(link("/proc/" + p.pid() + "/fd/" + ALT_OUT_FD));
        if (inOk && outOk) break;
        if (System.currentTimeMillis() > deadline) {
          throw new IOException(
              "'" + w.argv().get(0) + "' did not open its alternate fds within 30 s");
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted");
        }
      }
    }
  }

  private static String link(String path) {
    try {
      return Files.readSymbolicLink(Path.of(path)).toString();
    } catch (IOException | UnsupportedOperationException e) {
      return "";
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

  /**
   * Entry point; exits with the last command's status (1 when a command cannot start, 2 for usage).
   */
  public static void main(String[] args) {
    CommandLine cl = new CommandLine(new DpipeMain());
    cl.setStopAtPositional(true);
    System.exit(cl.execute(args));
  }
}
