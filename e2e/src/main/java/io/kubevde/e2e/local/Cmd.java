package io.kubevde.e2e.local;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short command to completion (iproute2, kubectl, ping, the CNI binary), optionally inside a
 * network namespace, with extra environment variables and a stdin text. Stdout and stderr are
 * captured separately.
 */
public final class Cmd {
  private Cmd() {}

  /** Outcome of a command: exit code (-1 on timeout), stdout, stderr, wall time in ms. */
  public record Result(List<String> cmd, int exit, String out, String err, long millis) {
    /** Whether the exit code is 0. */
    public boolean ok() {
      return exit == 0;
    }

    /**
     * Returns this when ok, else throws IllegalStateException naming the command and its output.
     */
    public Result check() {
      if (!ok()) {
        throw new IllegalStateException(
            String.join(" ", cmd) + " exited " + exit + "\nstdout: " + out + "\nstderr: " + err);
      }
      return this;
    }
  }

  /** Runs {@code cmd} in the host netns, 60 s timeout. */
  public static Result run(String... cmd) {
    return run(null, Map.of(), null, 60, List.of(cmd));
  }

  /** Runs {@code cmd} in the host netns and throws unless it exits 0. */
  public static String ok(String... cmd) {
    return run(cmd).check().out();
  }

  /** Runs {@code cmd} in {@code netns} (null = host), throwing unless it exits 0. */
  public static String okIn(String netns, String... cmd) {
    return run(netns, Map.of(), null, 60, List.of(cmd)).check().out();
  }

  /**
   * Runs {@code cmd} inside {@code netns} (null = host; {@code ip netns exec}) with {@code env}
   * added to this process's environment and {@code stdin} (null = empty) as input.
   *
   * @param timeoutSeconds the process is killed after this many seconds and the result has exit -1
   */
  public static Result run(
      String netns, Map<String, String> env, String stdin, int timeoutSeconds, List<String> cmd) {
    List<String> full = new ArrayList<>();
    if (netns != null) full.addAll(List.of("ip", "netns", "exec", netns));
    full.addAll(cmd);
    long t0 = System.nanoTime();
    Path out = null;
    Path err = null;
    try {
      // files, not pipe-reader threads: this also runs from shutdown hooks, where pools may be gone
      out = Files.createTempFile("kubevde-cmd-", ".out");
      err = Files.createTempFile("kubevde-cmd-", ".err");
      ProcessBuilder pb =
          new ProcessBuilder(full).redirectOutput(out.toFile()).redirectError(err.toFile());
      pb.environment().putAll(env);
      if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      Process p = pb.start();
      if (stdin != null) {
        try (var in = p.getOutputStream()) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
          // the command did not read its stdin
        }
      }
      int exit;
      if (p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        exit = p.exitValue();
      } else {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
        exit = -1;
      }
      return new Result(
          full,
          exit,
          Files.readString(out),
          Files.readString(err),
          (System.nanoTime() - t0) / 1_000_000);
    } catch (IOException e) {
      return new Result(full, 127, "", e.toString(), 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(full, -1, "", "interrupted", 0);
    } finally {
      delete(out);
      delete(err);
    }
  }

  private static void delete(Path p) {
    if (p == null) return;
    try {
      Files.deleteIfExists(p);
    } catch (IOException ignored) {
      // temp file
    }
  }
}
