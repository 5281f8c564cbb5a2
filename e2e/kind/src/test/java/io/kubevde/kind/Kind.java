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

  /** the kind command: {@code KUBEVDE_KIND_BIN} (e2e/kind/run sets its cached build) or "kind" */
  static String kind() {
    String bin = System.getenv("KUBEVDE_KIND_BIN");
    return bin == null || bin.isBlank() ? "kind" : bin;
  }

  /**
   * @return null when docker and kind are usable, else why not (the suite's skip message)
   */
  static String unavailable() {
    if (!onPath("docker")) return "docker is not on the PATH";
    if (!kind().contains("/") && !onPath(kind())) return "kind is not on the PATH";
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
   * Appends kubevde, chained, to the primary CNI conflist on every node of {@code cluster} (CNI
   * SPEC 1.1.0 "Chaining"): from then on, pods annotated {@code kubevde.io/networks} get their
   * kubevde interfaces after the primary's {@code eth0}. Done once the agents run, because the
   * {@code kubevde} binary they install must exist (and its agent answer) before any pod's ADD
   * names it.
   *
   * @param cluster kind cluster name
   * @param conflist path of the primary conflist inside the nodes (e2e/kind/run writes it)
   * @throws IOException when a node cannot be changed
   */
  static void chainKubevde(String cluster, String conflist) throws IOException {
    editConflist(
        cluster,
        conflist,
        "if any(.plugins[]; .type == \"kubevde\") then . else .plugins += [{\"type\": \"kubevde\"}] end");
  }

  /**
   * Removes kubevde from the primary conflist again (the suite's clean-up): with the agents gone, a
   * chained kubevde would fail every later pod's ADD on a kept cluster.
   *
   * @param cluster kind cluster name
   * @param conflist path of the primary conflist inside the nodes
   * @throws IOException when a node cannot be changed
   */
  static void unchainKubevde(String cluster, String conflist) throws IOException {
    editConflist(cluster, conflist, "del(.plugins[] | select(.type == \"kubevde\"))");
  }

  private static void editConflist(String cluster, String conflist, String jq) throws IOException {
    for (String node :
        run(List.of(kind(), "get", "nodes", "--name", cluster), 60).strip().lines().toList()) {
      String tmp = conflist + ".tmp";
      run(
          List.of(
              "docker",
              "exec",
              node,
              "sh",
              "-c",
              "jq -c '" + jq + "' " + conflist + " > " + tmp + " && mv " + tmp + " " + conflist),
          60);
    }
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
