package io.kubevde.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
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
 * One real kube-apiserver + etcd per test JVM (fabric8 kube-api-test, offline: the binaries come
 * from {@code e2e/cluster/k8s-binaries}), started on first use and stopped by a shutdown hook. The
 * server runs with RBAC authorization; {@link #client()} is an admin (system:masters), {@link #as}
 * impersonates a service account.
 *
 * <p>Two views of the one server: {@link #withKubevdeCrds()} (operator and agent tests) installs
 * kubevde's CRDs from the {@code crds} jar ({@code META-INF/fabric8/*-v1.yml}) once and waits until
 * they are Established before handing out a kubeconfig or a client; {@link #withoutCrds()} (chart
 * tests: {@code helm install} brings the CRDs) installs nothing. Missing binaries FAIL the tests
 * with a message saying how to get them: they are never downloaded and the tests are never skipped.
 *
 * <p>Where the binaries are ({@link #binariesDir()}), first match wins: env {@code
 * KUBE_API_TEST_DIR}; system property {@code kubevde.kubeapitest.dir} ({@code mvn
 * -Dkubevde.kubeapitest.dir=...}); env {@code KUBEVDE_CACHE_DIR} + {@code /k8s/kubeapitest}; {@code
 * $XDG_CACHE_HOME/kubevde/k8s/kubeapitest}; {@code ~/.cache/kubevde/k8s/kubeapitest} (the same
 * defaults as {@code e2e/cluster/k8s-binaries}).
 */
public final class KubeApi {
  /**
   * The kubevde CRDs, as the crds module generates them (classpath resources under
   * /META-INF/fabric8/).
   */
  static final List<String> KUBEVDE_CRDS =
      List.of(
          "vdenetworks.kubevde.io-v1.yml",
          "vdelinks.kubevde.io-v1.yml",
          "vdenodes.kubevde.io-v1.yml",
          "vdeaddressreservations.kubevde.io-v1.yml");

  private static final KubeApi WITH_CRDS = new KubeApi(true);
  private static final KubeApi WITHOUT_CRDS = new KubeApi(false);
  private static KubeAPIServer server;
  private static String kubeConfigYaml;
  private static boolean crdsInstalled;

  private final boolean kubevdeCrds;

  private KubeApi(boolean kubevdeCrds) {
    this.kubevdeCrds = kubevdeCrds;
  }

  /**
   * @return the JVM's server with the kubevde CRDs installed and Established
   */
  public static KubeApi withKubevdeCrds() {
    return WITH_CRDS;
  }

  /**
   * @return the JVM's server as it starts: only the built-in API (the caller installs what it
   *     needs)
   */
  public static KubeApi withoutCrds() {
    return WITHOUT_CRDS;
  }

  /**
   * Starts the server on first use (later calls return at once), then installs the CRDs of this
   * view.
   *
   * @return the admin kubeconfig YAML of the server (client certificate in system:masters)
   * @throws AssertionError if the binaries are missing (run e2e/cluster/k8s-binaries)
   */
  public String kubeConfigYaml() {
    String yaml = startServer();
    if (kubevdeCrds) installKubevdeCrds();
    return yaml;
  }

  /**
   * @return a new admin client for the server (close it)
   */
  public KubernetesClient client() {
    return new KubernetesClientBuilder()
        .withConfig(Config.fromKubeconfig(kubeConfigYaml()))
        .build();
  }

  /**
   * @param namespace the service account's namespace
   * @param name the service account's name
   * @return a new client acting as that service account (impersonation by the admin user; close it)
   */
  public KubernetesClient as(String namespace, String name) {
    Config c = Config.fromKubeconfig(kubeConfigYaml());
    c.setImpersonateUsername("system:serviceaccount:" + namespace + ":" + name);
    c.setImpersonateGroups(
        "system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated");
    return new KubernetesClientBuilder().withConfig(c).build();
  }

  /**
   * @return the directory holding {@code k8s/<version>-linux-amd64/{kube-apiserver,etcd,kubectl}}
   *     (see the class comment for how it is chosen)
   */
  public static Path binariesDir() {
    String env = System.getenv("KUBE_API_TEST_DIR");
    if (present(env)) return Path.of(env);
    String prop = System.getProperty("kubevde.kubeapitest.dir");
    if (present(prop)) return Path.of(prop);
    String cache = System.getenv("KUBEVDE_CACHE_DIR");
    if (present(cache)) return Path.of(cache, "k8s", "kubeapitest");
    String xdg = System.getenv("XDG_CACHE_HOME");
    Path base = present(xdg) ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
    return base.resolve("kubevde/k8s/kubeapitest");
  }

  /**
   * Creates (server-side apply) a CRD from a classpath YAML and waits up to 60 s until it is
   * Established.
   *
   * @param c client
   * @param resource classpath resource, e.g. {@code /multus-nad-crd.yaml}
   * @throws IllegalStateException if the resource is missing
   */
  public static void applyCrd(KubernetesClient c, String resource) {
    try (InputStream in = KubeApi.class.getResourceAsStream(resource)) {
      if (in == null) throw new IllegalStateException("missing classpath resource " + resource);
      CustomResourceDefinition crd =
          c.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
      c.apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(crd)
          .forceConflicts()
          .serverSideApply();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  established(
                      c.apiextensions()
                          .v1()
                          .customResourceDefinitions()
                          .withName(crd.getMetadata().getName())
                          .get()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * @param crd a CRD as read from the server, or null
   * @return whether its Established condition is True
   */
  public static boolean established(CustomResourceDefinition crd) {
    return crd != null
        && crd.getStatus() != null
        && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus()));
  }

  /**
   * @param c client
   * @param prefix readable prefix
   * @return the name of a new namespace unique to the caller ({@code prefix-<8 hex>})
   */
  public static String newNamespace(KubernetesClient c, String prefix) {
    String ns = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    c.namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
    return ns;
  }

  private static synchronized String startServer() {
    if (kubeConfigYaml != null) return kubeConfigYaml;
    Path dir = binariesDir();
    if (!hasBinaries(dir)) {
      throw new AssertionError(
          "kube-apiserver/etcd/kubectl not found under "
              + dir
              + "/k8s/<version>-linux-amd64/. "
              + "Run e2e/cluster/k8s-binaries (builds them once from the Go module proxy, ~10 min; e2e/run-tests does "
              + "this) or set KUBE_API_TEST_DIR to its output.");
    }
    server =
        new KubeAPIServer(
            KubeAPIServerConfigBuilder.anAPIServerConfig()
                .withTestDir(dir.toString())
                .withOfflineMode(true)
                .withUpdateKubeConfig(false)
                .withStartupTimeout(180_000)
                .build());
    server.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::stop, "kube-api-test-stop"));
    kubeConfigYaml = server.getKubeConfigYaml();
    return kubeConfigYaml;
  }

  private static synchronized void installKubevdeCrds() {
    if (crdsInstalled) return;
    try (KubernetesClient c = WITHOUT_CRDS.client()) {
      for (String crd : KUBEVDE_CRDS) applyCrd(c, "/META-INF/fabric8/" + crd);
    }
    crdsInstalled = true;
  }

  private static boolean present(String s) {
    return s != null && !s.isBlank();
  }

  private static boolean hasBinaries(Path dir) {
    Path k8s = dir.resolve("k8s");
    if (!Files.isDirectory(k8s)) return false;
    try (Stream<Path> s = Files.list(k8s)) {
      return s.anyMatch(
          v ->
              Files.isExecutable(v.resolve("kube-apiserver"))
                  && Files.isExecutable(v.resolve("etcd"))
                  && Files.isExecutable(v.resolve("kubectl")));
    } catch (IOException e) {
      return false;
    }
  }
}
