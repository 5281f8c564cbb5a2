package io.kubevde.e2e.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * Where the harness finds the project's built artifacts: the repository root ({@code KUBEVDE_ROOT},
 * else the first parent of the working directory holding {@code e2e/cluster/k8s-binaries}) and the
 * packaged operator, agent and CNI binary under it.
 */
public record Repo(Path root) {
  /** Finds the repository root. @throws IllegalStateException when none is found */
  public static Repo locate() {
    String env = System.getenv("KUBEVDE_ROOT");
    if (env != null && Files.exists(Path.of(env, "e2e/cluster/k8s-binaries")))
      return new Repo(Path.of(env));
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("e2e/cluster/k8s-binaries"))) return new Repo(p);
    }
    throw new IllegalStateException("cannot find the kubevde repository (set KUBEVDE_ROOT)");
  }

  /** {@code operator/target/operator.jar}. */
  public Path operatorJar() {
    return need(root.resolve("operator/target/operator.jar"), "mvn -pl operator -am package");
  }

  /** The agent's class path: {@code agent/target/agent-*.jar:agent/target/lib/*}. */
  public String agentClassPath() {
    Path target = root.resolve("agent/target");
    try (Stream<Path> s = Files.list(need(target, "mvn -pl agent -am package"))) {
      Path jar =
          s.filter(
                  p ->
                      p.getFileName().toString().matches("agent-.*\\.jar")
                          && !p.getFileName().toString().contains("tests")
                          && !p.getFileName().toString().contains("sources"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "no agent jar in " + target + ": run mvn -pl agent -am package"));
      return jar + ":" + target.resolve("lib") + "/*";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The CNI bin dir holding the packaged {@code kubevde} launcher
   * (cni-plugin/binary/target/cni-bin).
   */
  public Path cniBinDir() {
    return need(
            root.resolve("cni-plugin/binary/target/cni-bin/kubevde"),
            "mvn -pl cni-plugin/binary -am package")
        .getParent();
  }

  /** The CRD manifests (charts/kubevde/crds). */
  public Path crdDir() {
    return need(root.resolve("charts/kubevde/crds"), "the chart's crds/");
  }

  /** The example manifests (e2e/examples). */
  public Path examples() {
    return root.resolve("e2e/examples");
  }

  /**
   * The directory holding {@code kube-apiserver}, {@code etcd} and {@code kubectl}, built on first
   * use by {@code e2e/cluster/k8s-binaries} (whose progress goes to this process's stderr).
   */
  public Path k8sBinDir() {
    Path script = root.resolve("e2e/cluster/k8s-binaries");
    try {
      Process p =
          new ProcessBuilder(script.toString(), "--print-dir")
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      String dir = new String(p.getInputStream().readAllBytes()).trim();
      if (p.waitFor() != 0 || dir.isEmpty()) throw new IllegalStateException(script + " failed");
      try (Stream<Path> s = Files.list(Path.of(dir, "k8s"))) {
        return s.filter(d -> Files.isExecutable(d.resolve("kube-apiserver")))
            .findFirst()
            .orElseThrow(
                () -> new IllegalStateException("no kube-apiserver under " + dir + "/k8s"));
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + script, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static Path need(Path p, String how) {
    if (!Files.exists(p))
      throw new IllegalStateException(p + " is missing: build it first (" + how + ")");
    return p;
  }
}
