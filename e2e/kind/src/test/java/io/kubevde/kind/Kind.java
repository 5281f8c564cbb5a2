package io.kubevde.kind;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The kind and docker command lines, run as processes (output echoed to the test log). */
final class Kind {
  private Kind() {}

  /**
   * @return null when docker and kind are usable, else why not (the suite's skip message)
   */
  static String unavailable() {
    for (String tool : List.of("docker", "kind")) {
      if (!onPath(tool)) return tool + " is not on the PATH";
    }
    try {
      run(List.of("docker", "info", "--format", "{{.ServerVersion}}"), 30);
    } catch (IOException e) {
      return "no Docker engine reachable (docker info failed: "
          + e.getMessage().lines().findFirst().orElse("")
          + ")";
    }
    return null;
  }

  static boolean onPath(String tool) {
    for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!d.isEmpty() && Files.isExecutable(Path.of(d, tool))) return true;
    }
    return false;
  }

  /**
   * kind config: one control-plane and two workers, default CNI (kindnet) kept: kubevde is a
   * secondary network.
   */
  static String clusterConfig() {
    return """
        kind: Cluster
        apiVersion: kind.x-k8s.io/v1alpha4
        nodes:
          - role: control-plane
          - role: worker
          - role: worker
        """;
  }

  /**
   * @param cmd command line
   * @param timeoutSeconds limit
   * @return stdout+stderr
   * @throws IOException on a non-zero exit or timeout
   */
  static String run(List<String> cmd, long timeoutSeconds) throws IOException {
    try {
      Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
      StringBuilder out = new StringBuilder();
      Thread pump =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (var r = p.inputReader(StandardCharsets.UTF_8)) {
                      r.lines()
                          .forEach(
                              l -> {
                                System.out.println("[" + cmd.getFirst() + "] " + l);
                                synchronized (out) {
                                  out.append(l).append('\n');
                                }
                              });
                    } catch (IOException ignored) {
                      // process gone
                    }
                  });
      if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out after " + timeoutSeconds + " s: " + cmd);
      }
      pump.join(5000);
      if (p.exitValue() != 0) throw new IOException(cmd + " exited " + p.exitValue() + ": " + out);
      synchronized (out) {
        return out.toString();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + cmd, e);
    }
  }
}
