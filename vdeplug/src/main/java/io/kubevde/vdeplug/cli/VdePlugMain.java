package io.kubevde.vdeplug.cli;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.cable.Cable;
import io.kubevde.vdeplug.plugin.cmd.CmdPlug;
import io.kubevde.vdeplug.stream.StreamPlug;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;
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
 * {@code vde_plug} (vde-protocols.md §10.1), option-compatible with vdeplug4's:
 *
 * <ul>
 *   <li>{@code vde_plug [opts]} — the byte stream (§2) on stdin/stdout, connected to the default
 *       {@code vde://};
 *   <li>{@code vde_plug [opts] VNL} — the stream connected to VNL;
 *   <li>{@code vde_plug [opts] VNL1 VNL2} — a cable between two plugs;
 *   <li>{@code vde_plug [opts] [VNL] = CMD ARGS…} — starts CMD (no shell) and streams to its
 *       stdin/stdout.
 * </ul>
 *
 * Options may come before or between the VNLs (as GNU getopt permutes them in vdeplug4); everything
 * after the first {@code =} is the command, taken literally. The program ends on stdin EOF, when
 * either plug reports {@link Plug#CLOSED}, or on SIGTERM/SIGINT. Exit codes: 0 after a clean end, 1
 * when a plug cannot be opened ({@code vde_open VNL: reason}), 2 for usage errors.
 */
@Command(
    name = "vde_plug",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Connect a VDE plug to stdin/stdout (0 or 1 VNL), two plugs to each other (2 VNLs),",
      "or a plug to a command's stdin/stdout (VNL = CMD ARGS...)."
    })
public final class VdePlugMain implements Callable<Integer> {
  static {
    CliLogging.configure(); // before any logger exists
  }

  @Option(
      names = {"-d", "--daemon"},
      description = "run detached (re-executed under setsid; needs 2 VNLs or = CMD)")
  boolean daemon;

  @Option(
      names = {"-p", "--pidfile"},
      paramLabel = "FILE",
      description = "write the process id to FILE")
  Path pidfile;

  @Option(
      names = {"-l", "--log"},
      description = "not implemented (accepted for compatibility; prints a warning)")
  boolean log;

  @Option(
      names = {"-L", "--iplog"},
      description = "not implemented (accepted for compatibility; prints a warning)")
  boolean iplog;

  @Option(
      names = {"-D", "--descr"},
      paramLabel = "TEXT",
      description = "description shown by switches (default vdeplug:)")
  String descr;

  @Option(
      names = {"-g", "--group"},
      paramLabel = "GROUP",
      description = "group owning sockets of the first plug")
  String group;

  @Option(
      names = {"-G", "--group2"},
      paramLabel = "GROUP",
      description = "group owning sockets of the second plug")
  String group2;

  @Option(
      names = {"-m", "--mod"},
      paramLabel = "OCTAL",
      description = "permissions of sockets of the first plug")
  String mod;

  @Option(
      names = {"-M", "--mod2"},
      paramLabel = "OCTAL",
      description = "permissions of sockets of the second plug")
  String mod2;

  @Option(
      names = "--port",
      paramLabel = "N",
      description = "switch port of the first plug (obsolete: use VNL[N])")
  int port;

  @Option(
      names = "--port2",
      paramLabel = "N",
      description = "switch port of the second plug (obsolete)")
  int port2;

  @Parameters(
      paramLabel = "VNL",
      arity = "0..*",
      description = "0, 1 or 2 VNLs, or [VNL] = CMD ARGS... (everything after = is the command)")
  List<String> words = new ArrayList<>();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  /** The parsed command-line shape. */
  record Shape(List<String> vnls, List<String> command) {}

  @Override
  public Integer call() throws Exception {
    Shape shape = shape();
    if (log || iplog) {
      System.err.println(
          "vde_plug: warning: -l/--log and -L/--iplog are not implemented in the Java vde_plug; ignored");
    }
    OpenArgs args1 = openArgs(descr, port, group, mod, "-m/--mod");
    OpenArgs args2 = openArgs(descr, port2, group2, mod2, "-M/--mod2");
    boolean streamForm = shape.command().isEmpty() && shape.vnls().size() < 2;
    if (daemon && !Daemon.isChild()) {
      if (streamForm) {
        throw new CommandLine.ParameterException(
            spec.commandLine(),
            "--daemon needs two VNLs or '= CMD': a daemon's stdin/stdout are /dev/null, so a stream form would end at once");
      }
      return Daemon.spawn(Optional.ofNullable(pidfile));
    }
    // Close whatever is open when SIGTERM/SIGINT arrives, even during start-up (a cmd child must
    // not survive).
    List<Plug> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> opened.forEach(VdePlugMain::closeQuietly)));

    String vnl1 = shape.vnls().isEmpty() ? "" : shape.vnls().get(0);
    Plug a;
    try {
      a = Plugs.open(vnl1, args1);
      opened.add(a);
    } catch (IOException | VnlException e) {
      System.err.println("vde_open " + vnl1 + ": " + e.getMessage());
      return 1;
    }
    Plug b;
    String what = null;
    try {
      if (!shape.command().isEmpty()) {
        what = String.join(" ", shape.command());
        b = CmdPlug.start(shape.command());
      } else if (shape.vnls().size() == 2) {
        what = shape.vnls().get(1);
        b = Plugs.open(what, args2);
      } else {
        b = StreamPlug.stdio();
      }
      opened.add(b);
    } catch (IOException | VnlException e) {
      System.err.println("vde_open " + what + ": " + e.getMessage());
      a.close();
      return 1;
    }
    try (Cable cable = new Cable("vde_plug", a, b)) {
      // the pid file says "running": written once both plugs are open (and removed at exit)
      if (pidfile != null) Daemon.writePidFile(pidfile, ProcessHandle.current().pid());
      cable.awaitEnd();
    }
    return 0;
  }

  private static void closeQuietly(Plug p) {
    try {
      p.close();
    } catch (IOException | RuntimeException e) {
      // best effort at exit
    }
  }

  /**
   * The words after the first {@code =} of the command line (the command), or null without {@code
   * =}.
   */
  List<String> command;

  Shape shape() {
    if (command != null) {
      if (words.size() > 1) usage("at most one VNL before '='");
      if (command.isEmpty()) usage("a command must follow '='");
      return new Shape(List.copyOf(words), List.copyOf(command));
    }
    if (words.size() > 2)
      usage("at most two VNLs (got " + words.size() + "); use '= CMD ARGS' to run a command");
    return new Shape(List.copyOf(words), List.of());
  }

  private void usage(String msg) {
    throw new CommandLine.ParameterException(spec.commandLine(), msg);
  }

  private OpenArgs openArgs(
      String description, int port, String group, String mode, String option) {
    if (port < 0) usage("--port must be >= 0");
    Optional<Integer> m = Optional.of(0700);
    if (mode != null) {
      try {
        int v = Integer.parseInt(mode, 8);
        if (v < 0 || v > 07777) throw new NumberFormatException();
        m = Optional.of(v);
      } catch (NumberFormatException e) {
        usage(option + " '" + mode + "' is not an octal mode (e.g. 0770)");
      }
    }
    return new OpenArgs(
        description == null ? "vdeplug:" : description, port, Optional.ofNullable(group), m);
  }

  /**
   * The picocli command line for {@code args}: like vdeplug4 (GNU getopt), options may come before
   * or between the VNLs; everything after the first {@code =} is the command, passed on untouched
   * (its options are its own).
   */
  static CommandLine commandLine(String[] args, String[][] head) {
    VdePlugMain m = new VdePlugMain();
    int eq = java.util.Arrays.asList(args).indexOf("=");
    head[0] = eq < 0 ? args : java.util.Arrays.copyOfRange(args, 0, eq);
    m.command = eq < 0 ? null : List.of(args).subList(eq + 1, args.length);
    return new CommandLine(m);
  }

  /**
   * Entry point; exits with the code of {@link #call()}. Nothing but frames may be written to
   * stdout.
   */
  public static void main(String[] args) {
    java.io.PrintStream realOut = System.out;
    System.setOut(System.err);
    String[][] head = new String[1][];
    CommandLine cl = commandLine(args, head);
    cl.setOut(new java.io.PrintWriter(realOut, true));
    System.exit(cl.execute(head[0]));
  }
}
