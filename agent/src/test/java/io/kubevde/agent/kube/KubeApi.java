package io.kubevde.agent.kube;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * (Same as the operator tests' helper.) One real kube-apiserver + etcd per test JVM (fabric8 kube-api-test, offline: the binaries come from
 * {@code e2e/cluster/k8s-binaries}), with kubevde's CRDs installed. Missing binaries FAIL the tests with a message
 * saying how to get them; they are never downloaded and the tests are never skipped.
 */
public final class KubeApi {
  private static KubeAPIServer server;
  private static String kubeConfigYaml;
  private static final List<String> CRDS = List.of("vdenetworks.kubevde.io-v1.yml", "vdelinks.kubevde.io-v1.yml",
      "vdenodes.kubevde.io-v1.yml");

  private KubeApi() {}

  /** @return the directory holding {@code k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}} */
  public static Path binariesDir() {
    String env = System.getenv("KUBE_API_TEST_DIR");
    String prop = System.getProperty("kubevde.kubeapitest.dir");
    return Path.of(env != null && !env.isBlank() ? env
        : prop != null ? prop : System.getProperty("user.home") + "/.cache/kubevde/k8s/kubeapitest");
  }

  /**
   * Starts the server once (later calls return at once).
   *
   * @return the kubeconfig YAML of the server (client cert in system:masters)
   * @throws AssertionError if the binaries are missing (run e2e/cluster/k8s-binaries)
   */
  public static synchronized String kubeConfigYaml() {
    if (kubeConfigYaml != null) return kubeConfigYaml;
    Path dir = binariesDir();
    if (!hasBinaries(dir)) {
      throw new AssertionError("kube-apiserver/etcd/kubectl not found under " + dir + "/k8s/<version>-linux-amd64/. "
          + "Run e2e/cluster/k8s-binaries (builds them once from the Go module proxy, ~10 min; e2e/run-tests does "
          + "this) or set KUBE_API_TEST_DIR to its output.");
    }
    server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withTestDir(dir.toString())
        .withOfflineMode(true)
        .withUpdateKubeConfig(false)
        .withStartupTimeout(180_000)
        .build());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "kube-api-test-stop"));
    kubeConfigYaml = server.getKubeConfigYaml();
    try (KubernetesClient c = client()) {
      for (String crd : CRDS) applyCrd(c, "/META-INF/fabric8/" + crd);
    }
    return kubeConfigYaml;
  }

  /** @return a new client for the test server (close it) */
  public static KubernetesClient client() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeConfigYaml())).build();
  }

  /**
   * Creates a CRD from a classpath YAML and waits until it is Established.
   *
   * @param c client
   * @param resource classpath resource
   */
  public static void applyCrd(KubernetesClient c, String resource) {
    try (InputStream in = KubeApi.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("missing classpath resource " + resource);
      CustomResourceDefinition crd = c.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      c.apiextensions().v1().customResourceDefinitions().resource(crd).forceConflicts().serverSideApply();
      await().atMost(Duration.ofSeconds(60)).until(() -> {
        CustomResourceDefinition s = c.apiextensions().v1().customResourceDefinitions()
            .withName(crd.getMetadata().getName()).get();
        return s != null && s.getStatus() != null && s.getStatus().getConditions() != null
            && s.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus()));
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param c client
   * @param prefix readable prefix
   * @return the name of a new namespace unique to the caller
   */
  public static String newNamespace(KubernetesClient c, String prefix) {
    String ns = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    c.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    return ns;
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
