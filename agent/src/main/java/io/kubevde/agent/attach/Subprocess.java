package io.kubevde.agent.attach;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one external command with a timeout that fires: stdin comes from a temp file, stdout and
 * stderr go to temp files (never a pipe the child could block on while we wait), then {@code
 * waitFor(timeout)}; on expiry the process is killed ({@code destroyForcibly}) and the result says
 * so. Used for delegated IPAM plugins ({@link IpamDelegate}).
 */
public final class Subprocess {
  private Subprocess() {}

  /**
   * The outcome of a command.
   *
   * @param exit exit code; -1 when it could not run or timed out
   * @param stdout standard output (with stderr appended when merged)
   * @param stderr standard error ({@code ""} when merged)
   * @param timedOut whether the timeout fired and the process was killed
   */
  public record Result(int exit, String stdout, String stderr, boolean timedOut) {
    /** Whether the command exited 0. */
    public boolean ok() {
      return exit == 0;
    }
  }

  /**
   * Runs {@code cmd}.
   *
   * @param cmd the command and its arguments
   * @param env extra environment variables (added to the agent's), or an empty map
   * @param stdin text for standard input, or {@code null} for {@code /dev/null}
   * @param timeoutMs how long the command may run (ms) before it is killed
   * @param merge whether stderr is appended to stdout (iproute2's messages)
   * @return the result; never throws for a failing or hanging command
   */
  public static Result run(
      List<String> cmd, Map<String, String> env, String stdin, long timeoutMs, boolean merge) {
    Path in = null;
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("kubevde-out", ".txt");
      err = merge ? out : Files.createTempFile("kubevde-err", ".txt");
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile());
      if (merge) pb.redirectErrorStream(true);
      else pb.redirectError(err.toFile());
      if (stdin == null) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      } else {
        in = Files.createTempFile("kubevde-in", ".txt");
        Files.writeString(in, stdin, StandardCharsets.UTF_8);
        pb.redirectInput(in.toFile());
      }
      pb.environment().putAll(env);
      Process p = pb.start();
      if (!p.waitFor(timeoutMs, TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(2, TimeUnit.SECONDS);
        return new Result(
            -1, "timed out after " + timeoutMs + " ms: " + String.join(" ", cmd), "", true);
      }
      String o = Files.readString(out, StandardCharsets.UTF_8);
      return new Result(
          p.exitValue(), o, merge ? "" : Files.readString(err, StandardCharsets.UTF_8), false);
    } catch (IOException e) {
      return new Result(
          -1, "cannot run " + String.join(" ", cmd) + ": " + e.getMessage(), "", false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted: " + String.join(" ", cmd), "", false);
    } finally {
      for (Path f : new Path[] {in, out, err}) {
        try {
          if (f != null) Files.deleteIfExists(f);
        } catch (IOException ignored) {
          // temp file
        }
      }
    }
  }
}
