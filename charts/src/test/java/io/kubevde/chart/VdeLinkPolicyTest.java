package io.kubevde.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.testing.KubeApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart's VdeLink policy (templates/vdelink-policy.yaml, issue 11) enforced by a real
 * kube-apiserver v1.34: a tenant's VdeLink with {@code cmd://}, {@code tap://}, a host-path {@code
 * vde://}, a bare path, a nested {@code cmd://} inside an allowed wrapper, or a {@code
 * vdenetwork://} of another namespace is refused by the API server with the policy's message;
 * overlay schemes are admitted; the system namespace may use every scheme.
 */
class VdeLinkPolicyTest {
  /**
   * the release namespace = the system namespace (the same one ChartApiServerTest installs into)
   */
  static final String SYSTEM_NS = ChartApiServerTest.NS;

  static final String TENANT_NS = "tenant-a";
  static KubernetesClient admin;
  static List<HasMetadata> policy;

  @BeforeAll
  static void installPolicy() throws Exception {
    admin = KubeApi.withoutCrds().client();
    for (Path crd :
        Chart.crdFiles()) { // created here unless Helm (ChartApiServerTest) installed them already
      CustomResourceDefinition c =
          Chart.JSON.unmarshal(Files.readString(crd), CustomResourceDefinition.class);
      if (admin.resource(c).get() == null) admin.resource(c).create();
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                KubeApi.established(
                    admin
                        .apiextensions()
                        .v1()
                        .customResourceDefinitions()
                        .withName("vdelinks.kubevde.io")
                        .get()));
    for (String ns : List.of(SYSTEM_NS, TENANT_NS)) {
      admin
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
          .serverSideApply();
    }
    // a release of its own name ("pol"), so its cluster-scoped policy objects never clash with
    // Helm's release "kv"
    policy =
        Chart.objects(Chart.render("pol", SYSTEM_NS, Map.of())).stream()
            .filter(o -> o.getKind().startsWith("ValidatingAdmissionPolicy"))
            .toList();
    assertThat(policy)
        .extracting(HasMetadata::getKind)
        .containsExactlyInAnyOrder("ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding");
    for (HasMetadata o : policy) admin.resource(o).serverSideApply();
    // the API server loads a new policy asynchronously: wait until it refuses the first forbidden
    // link
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(500))
        .until(
            () -> {
              try {
                admin.resource(link(TENANT_NS, "probe", "cmd://sh -c id")).dryRun().create();
                return false;
              } catch (KubernetesClientException e) {
                return e.getCode() == 422 || e.getCode() == 403;
              }
            });
  }

  @AfterAll
  static void removePolicy() {
    if (admin == null) return;
    if (policy != null) for (HasMetadata o : policy) admin.resource(o).delete();
    admin.close();
  }

  static GenericKubernetesResource link(String ns, String name, String... vnls) {
    StringBuilder paths = new StringBuilder();
    for (int i = 0; i < vnls.length; i++) {
      paths
          .append("  - {name: p")
          .append(i)
          .append(", vnl: '")
          .append(vnls[i].replace("'", "''"))
          .append("'}\n");
    }
    return Chart.JSON.unmarshal(
        """
        apiVersion: kubevde.io/v1alpha1
        kind: VdeLink
        metadata: {name: %s, namespace: %s}
        spec:
          network: blue
          paths:
        %s"""
            .formatted(name, ns, paths),
        GenericKubernetesResource.class);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "cmd://sh -c 'id > /tmp/x'",
        "tap://vde0",
        "vde:///run/vde/lab",
        "/run/vde/lab",
        "seal://{cmd://sh -c id}",
        "vxvde://239.1.2.3{tap://x}",
        "ptp:///tmp/p"
      })
  void aTenantVdeLinkWithAHostSchemeIsRefusedByTheApiServer(String vnl) {
    assertThatThrownBy(
            () -> admin.resource(link(TENANT_NS, "bad", "vxvde://239.1.2.3", vnl)).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "VdeLink paths p1 use a VNL scheme that namespace tenant-a may not use");
    assertThat(
            admin
                .genericKubernetesResources("kubevde.io/v1alpha1", "VdeLink")
                .inNamespace(TENANT_NS)
                .withName("bad")
                .get())
        .isNull();
  }

  @Test
  void aTenantMayNotLinkAnotherNamespacesNetwork() {
    assertThatThrownBy(
            () -> admin.resource(link(TENANT_NS, "steal", "vdenetwork://default/blue")).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining(
            "link a VdeNetwork of another namespace; namespace tenant-a may link only its own");
  }

  @Test
  void aTenantMayUseTheOverlaySchemesAndItsOwnNetworks() {
    GenericKubernetesResource ok =
        admin
            .resource(
                link(
                    TENANT_NS,
                    "ok",
                    "vxvde://239.1.2.3/port=14789",
                    "udp://5000->10.0.0.2:5000",
                    "vxlan://239.1.2.4",
                    "seal://{vxvde://239.1.2.5}",
                    "vdenetwork://tenant-a/red"))
            .create();
    try {
      assertThat(ok.getMetadata().getUid()).isNotBlank();
    } finally {
      admin.resource(ok).delete();
    }
  }

  @Test
  void theSystemNamespaceMayUseEveryScheme() {
    GenericKubernetesResource ok =
        admin
            .resource(
                link(
                    SYSTEM_NS,
                    "lab",
                    "cmd://ssh lab vde_plug /run/vde/lab",
                    "vde:///run/vde/lab",
                    "vdenetwork://other/blue"))
            .create();
    try {
      assertThat(ok.getMetadata().getUid()).isNotBlank();
    } finally {
      admin.resource(ok).delete();
    }
  }

  @Test
  void thePolicyCanBeTurnedOff() {
    List<HasMetadata> off = Chart.objects(Map.of("linkPolicy.enabled", false));
    assertThat(off).noneMatch(o -> o.getKind().startsWith("ValidatingAdmissionPolicy"));
    // ... in the agents too: every scheme allowed
    assertThat(
            Chart.one(off, io.fabric8.kubernetes.api.model.apps.DaemonSet.class, "kv-kubevde-agent")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst()
                .getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains("KUBEVDE_LINK_TENANT_SCHEMES=*")
        .noneMatch(e -> e.startsWith("KUBEVDE_LINK_SYSTEM_NAMESPACES="));
  }
}
