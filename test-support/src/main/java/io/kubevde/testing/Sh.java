package io.kubevde.testing;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs short host commands (ip, ping, tc, ...) for test set-up and checks: stdin from /dev/null,
 * stdout and stderr merged, a time limit (60 s unless given). A command that cannot start, times
 * out or is interrupted throws {@link IllegalStateException} naming the command: a test never
 * mistakes a broken host for a result.
 */
public final class Sh {
  /** The time limit of {@link #exec(String...)} and {@link #run(String...)}. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

  private Sh() {}

  /**
   * The result of a finished command.
   *
   * @param exitCode the exit status
   * @param output stdout and stderr, merged, UTF-8
   */
  public record Result(int exitCode, String output) {
    /**
     * @return whether the command exited 0
     */
    public boolean ok() {
      return exitCode == 0;
    }
  }

  /**
   * Runs {@code cmd} and waits at most {@link #DEFAULT_TIMEOUT}.
   *
   * @param cmd the command and its arguments (no shell)
   * @return exit status and output
   * @throws IllegalStateException if it cannot start, times out (it is then killed) or the wait is
   *     interrupted
   */
  public static Result exec(String... cmd) {
    return exec(DEFAULT_TIMEOUT, List.of(cmd));
  }

  /**
   * Runs {@code cmd} and waits at most {@code timeout}.
   *
   * @param timeout the time limit; the command is killed when it runs longer
   * @param cmd the command and its arguments (no shell)
   * @return exit status and output
   * @throws IllegalStateException if it cannot start, times out or the wait is interrupted
   */
  public static Result exec(Duration timeout, List<String> cmd) {
    Process p;
    try {
      p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .start();
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread pump = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new IllegalStateException(
            "timed out after " + timeout.toSeconds() + " s: " + String.join(" ", cmd));
      }
      pump.join(Duration.ofSeconds(5));
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
    }
    synchronized (out) {
      return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * Runs {@code cmd} (limit {@link #DEFAULT_TIMEOUT}) and returns its output.
   *
   * @param cmd the command and its arguments (no shell)
   * @return stdout and stderr, merged
   * @throws IllegalStateException if it exits non-zero (message: command, status, output), or as
   *     {@link #exec}
   */
  public static String run(String... cmd) {
    return run(DEFAULT_TIMEOUT, List.of(cmd));
  }

  /**
   * Runs {@code cmd} and returns its output.
   *
   * @param timeout the time limit
   * @param cmd the command and its arguments (no shell)
   * @return stdout and stderr, merged
   * @throws IllegalStateException if it exits non-zero (message: command, status, output), or as
   *     {@link #exec}
   */
  public static String run(Duration timeout, List<String> cmd) {
    Result r = exec(timeout, cmd);
    if (!r.ok()) {
      throw new IllegalStateException(
          "'" + String.join(" ", cmd) + "' exited " + r.exitCode() + ": " + r.output());
    }
    return r.output();
  }

  /**
   * @param tool a command name
   * @return whether an executable {@code tool} is in a directory of this JVM's {@code $PATH} (where
   *     {@link ProcessBuilder} looks)
   */
  public static boolean has(String tool) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) return true;
    }
    return false;
  }

  private static void copy(InputStream in, ByteArrayOutputStream out) {
    byte[] buf = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buf)) >= 0; ) {
        synchronized (out) {
          out.write(buf, 0, n);
        }
      }
    } catch (IOException e) {
      // the process is gone (killed on timeout): what was read is kept
    }
  }
}
