package io.kubevde.vdeplug.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code -d/--daemon} and {@code -p/--pidfile} for the Java CLIs (vde-protocols.md §10). A JVM
 * cannot fork, so daemonising re-executes the same command line (same JVM, same arguments) under
 * {@code setsid}, detached: new session, stdin and stdout from/to {@code /dev/null}, stderr
 * inherited (the C tools use syslog). The child is told it is the daemon by the environment
 * variable {@value #CHILD_ENV}. The parent waits until the child has written the pid file (when one
 * is asked for) or has exited, so start-up errors are reported with a non-zero exit code.
 */
public final class Daemon {
  /** Set (to "1") in the environment of the re-executed daemon process. */
  public static final String CHILD_ENV = "KUBEVDE_DAEMON_CHILD";

  private static final long WAIT_MS = 30_000;

  private Daemon() {}

  /** Whether this process is the re-executed daemon. */
  public static boolean isChild() {
    return "1".equals(System.getenv(CHILD_ENV));
  }

  /**
   * Starts the detached copy of this process.
   *
   * @param pidfile the pid file the child will write, if any (the parent waits for it)
   * @return the exit code for the parent: 0 when the child runs, 1 when it could not start or
   *     exited early
   */
  public static int spawn(Optional<Path> pidfile) {
    ProcessHandle.Info info = ProcessHandle.current().info();
    if (info.command().isEmpty() || info.arguments().isEmpty()) {
      System.err.println("daemon: cannot read this process's command line; run without -d");
      return 1;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add("setsid");
    cmd.add(info.command().get());
    cmd.addAll(List.of(info.arguments().get()));
    try {
      pidfile.ifPresent(p -> p.toFile().delete());
      ProcessBuilder pb =
          new ProcessBuilder(cmd)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      pb.environment().put(CHILD_ENV, "1");
      Process p = pb.start();
      long deadline = System.currentTimeMillis() + WAIT_MS;
      while (System.currentTimeMillis() < deadline) {
        if (!p.isAlive()) {
          System.err.println("daemon: exited with code " + p.exitValue() + " during start-up");
          return 1;
        }
        if (pidfile.isEmpty() || hasPid(pidfile.get())) return 0;
        Thread.sleep(20);
      }
      System.err.println(
          "daemon: pid file " + pidfile.get() + " not written within " + WAIT_MS + " ms");
      return 1;
    } catch (IOException e) {
      System.err.println("daemon: cannot start: " + e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private static boolean hasPid(Path p) {
    try {
      return Files.exists(p) && Files.readString(p).trim().matches("-?\\d+");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Writes {@code value} and a newline to {@code file} (atomically: temp file + rename) and deletes
   * it at JVM exit.
   *
   * @throws IOException when the file cannot be written
   */
  public static void writePidFile(Path file, long value) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp" + ProcessHandle.current().pid());
    Files.writeString(tmp, value + "\n", StandardCharsets.US_ASCII);
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> file.toFile().delete()));
  }
}
