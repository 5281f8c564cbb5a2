package io.kubevde.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The shared real API server: where its binaries are looked up, the kubevde CRDs, admin and
 * impersonated clients.
 */
class KubeApiTest {
  private static final String PROP = "kubevde.kubeapitest.dir";

  @Test
  void binariesDirFollowsTheDocumentedOrder() {
    String saved = System.getProperty(PROP);
    try {
      String env = System.getenv("KUBE_API_TEST_DIR");
      boolean envSet = env != null && !env.isBlank();
      System.setProperty(PROP, "/kubevde-test/prop");
      assertThat(KubeApi.binariesDir()).isEqualTo(Path.of(envSet ? env : "/kubevde-test/prop"));
      System.setProperty(PROP, " ");
      String cache = System.getenv("KUBEVDE_CACHE_DIR");
      String xdg = System.getenv("XDG_CACHE_HOME");
      Path fallback =
          cache != null && !cache.isBlank()
              ? Path.of(cache, "k8s/kubeapitest")
              : Path.of(
                  xdg != null && !xdg.isBlank() ? xdg : System.getProperty("user.home") + "/.cache",
                  "kubevde/k8s/kubeapitest");
      assertThat(KubeApi.binariesDir())
          .as("a blank property counts as unset")
          .isEqualTo(envSet ? Path.of(env) : fallback);
    } finally {
      if (saved == null) System.clearProperty(PROP);
      else System.setProperty(PROP, saved);
    }
  }

  @Test
  void kubevdeCrdsAreEstablishedAndAServiceAccountHasOnlyItsRbac() {
    try (KubernetesClient admin = KubeApi.withKubevdeCrds().client()) {
      for (String crd : KubeApi.KUBEVDE_CRDS) {
        String name = crd.substring(0, crd.length() - "-v1.yml".length());
        assertThat(
                KubeApi.established(
                    admin.apiextensions().v1().customResourceDefinitions().withName(name).get()))
            .as(name)
            .isTrue();
      }
      String ns = KubeApi.newNamespace(admin, "ts");
      assertThat(ns).matches("ts-[0-9a-f]{8}");
      assertThat(admin.namespaces().withName(ns).get()).isNotNull();
      try (KubernetesClient sa = KubeApi.withoutCrds().as(ns, "nobody")) {
        assertThatThrownBy(() -> sa.namespaces().list())
            .isInstanceOfSatisfying(
                KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
      }
    }
  }
}
