package io.kubevde.vdeplug.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs short host commands (ip, tc, ...) for test setup; fails loudly with the command's output.
 */
public final class Sh {
  private Sh() {}

  /** The result of a finished command. */
  public record Result(int exitCode, String output) {}

  /** Runs {@code cmd}, waits at most 60 s, returns exit code and merged stdout+stderr. */
  public static Result exec(String... cmd) {
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
              .start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + String.join(" ", cmd));
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", cmd), e);
    }
  }

  /** Runs {@code cmd} and returns its output; throws when it exits non-zero. */
  public static String run(String... cmd) {
    Result r = exec(cmd);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(
          "'" + String.join(" ", cmd) + "' exited " + r.exitCode() + ": " + r.output());
    }
    return r.output();
  }

  /** Runs a {@code sh -c} script and returns its output; throws when it exits non-zero. */
  public static String sh(String script) {
    return run("sh", "-c", script);
  }

  /** Whether {@code tool} is on the PATH. */
  public static boolean has(String tool) {
    return exec("sh", "-c", "command -v " + tool).exitCode() == 0;
  }

  /** The command list as one list, for ProcessBuilder. */
  public static List<String> list(String... cmd) {
    return List.of(cmd);
  }
}
