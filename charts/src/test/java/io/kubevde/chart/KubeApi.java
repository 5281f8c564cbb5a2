package io.kubevde.chart;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * One real kube-apiserver + etcd per test JVM (fabric8 kube-api-test, offline; binaries from
 * {@code e2e/cluster/k8s-binaries}). Missing binaries FAIL the tests; nothing is downloaded, nothing is skipped.
 * The server runs with RBAC authorization, so impersonated clients see exactly the chart's permissions.
 */
final class KubeApi {
  private static KubeAPIServer server;
  private static String kubeConfigYaml;

  private KubeApi() {}

  static Path binariesDir() {
    String env = System.getenv("KUBE_API_TEST_DIR");
    String prop = System.getProperty("kubevde.kubeapitest.dir");
    return Path.of(env != null && !env.isBlank() ? env
        : prop != null ? prop : System.getProperty("user.home") + "/.cache/kubevde/k8s/kubeapitest");
  }

  /** @return the admin kubeconfig (system:masters) of the server, started on first call */
  static synchronized String kubeConfigYaml() {
    if (kubeConfigYaml != null) return kubeConfigYaml;
    Path dir = binariesDir();
    if (!hasBinaries(dir)) {
      throw new AssertionError("kube-apiserver/etcd/kubectl not found under " + dir + "/k8s/<version>-linux-amd64/. "
          + "Run e2e/cluster/k8s-binaries (builds them once from the Go module proxy; e2e/run-tests does this) or "
          + "set KUBE_API_TEST_DIR to its output.");
    }
    server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig().withTestDir(dir.toString())
        .withOfflineMode(true).withUpdateKubeConfig(false).withStartupTimeout(180_000).build());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "kube-api-test-stop"));
    kubeConfigYaml = server.getKubeConfigYaml();
    return kubeConfigYaml;
  }

  /** @return an admin client */
  static KubernetesClient admin() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeConfigYaml())).build();
  }

  /**
   * @param namespace the service account's namespace
   * @param name the service account's name
   * @return a client acting as that service account (impersonation by the admin user)
   */
  static KubernetesClient as(String namespace, String name) {
    Config c = Config.fromKubeconfig(kubeConfigYaml());
    c.setImpersonateUsername("system:serviceaccount:" + namespace + ":" + name);
    c.setImpersonateGroups("system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated");
    return new KubernetesClientBuilder().withConfig(c).build();
  }

  private static boolean hasBinaries(Path dir) {
    Path k8s = dir.resolve("k8s");
    if (!Files.isDirectory(k8s)) return false;
    try (Stream<Path> s = Files.list(k8s)) {
      return s.anyMatch(v -> Files.isExecutable(v.resolve("kube-apiserver")) && Files.isExecutable(v.resolve("etcd"))
          && Files.isExecutable(v.resolve("kubectl")));
    } catch (IOException e) {
      return false;
    }
  }
}
