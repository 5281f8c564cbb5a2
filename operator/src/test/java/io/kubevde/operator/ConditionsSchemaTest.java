package io.kubevde.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubevde.testing.KubeApi;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The finished CRDs (crds' CrdPostProcessor) in a real kube-apiserver: {@code status.conditions} is
 * a list keyed by {@code type}, so two writers server-side-applying different condition types keep
 * each other's; a condition without the required fields or with a status outside True/False/Unknown
 * is refused; all kubevde kinds are in the {@code kubevde} category; columns put Ready first and
 * Age last.
 */
class ConditionsSchemaTest {
  private static KubernetesClient client;
  private static String ns;

  @BeforeAll
  static void start() {
    client = KubeApi.withKubevdeCrds().client();
    ns = KubeApi.newNamespace(client, "conds");
  }

  @AfterAll
  static void stop() {
    if (client != null) client.close();
  }

  private static Map<String, Object> condition(String type, String status) {
    return Map.of(
        "type",
        type,
        "status",
        status,
        "reason",
        "Because",
        "message",
        "m",
        "lastTransitionTime",
        "2026-12-05T08:00:00Z",
        "observedGeneration",
        1);
  }

  private static GenericKubernetesResource network(
      String name, List<Map<String, Object>> conditions) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("kubevde.io/v1alpha1")
        .withKind("VdeNetwork")
        .withNewMetadata()
        .withName(name)
        .withNamespace(ns)
        .endMetadata()
        .withAdditionalProperties(
            Map.of(
                "spec", Map.of("transport", "local"), "status", Map.of("conditions", conditions)))
        .build();
  }

  private static GenericKubernetesResource applyStatus(
      String manager, GenericKubernetesResource r) {
    PatchContext ssa =
        new PatchContext.Builder()
            .withPatchType(PatchType.SERVER_SIDE_APPLY)
            .withFieldManager(manager)
            .withForce(true)
            .build();
    return client
        .genericKubernetesResources("kubevde.io/v1alpha1", "VdeNetwork")
        .inNamespace(ns)
        .withName(r.getMetadata().getName())
        .subresource("status")
        .patch(ssa, r);
  }

  @SuppressWarnings("unchecked")
  private static List<String> conditionTypes(GenericKubernetesResource r) {
    Map<String, Object> status = (Map<String, Object>) r.getAdditionalProperties().get("status");
    return ((List<Map<String, Object>>) status.get("conditions"))
        .stream().map(c -> (String) c.get("type")).toList();
  }

  @Test
  void twoWritersApplyingDifferentConditionTypesKeepBoth() {
    client.resource(network("two", List.of())).create();
    applyStatus("kubevde-operator", network("two", List.of(condition("Ready", "True"))));
    GenericKubernetesResource after =
        applyStatus("someone-else", network("two", List.of(condition("Degraded", "False"))));
    assertThat(conditionTypes(after)).containsExactlyInAnyOrder("Ready", "Degraded");
  }

  @Test
  void aConditionWithAnInvalidStatusOrMissingFieldsIsRefused() {
    client.resource(network("bad", List.of())).create();
    assertThatThrownBy(() -> applyStatus("w", network("bad", List.of(condition("Ready", "Yes")))))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("status")
        .hasMessageContaining("Unsupported value");
    assertThatThrownBy(
            () ->
                applyStatus(
                    "w",
                    network(
                        "bad",
                        List.of(
                            Map.of(
                                "type",
                                "Ready",
                                "status",
                                "True",
                                "lastTransitionTime",
                                "2026-12-05T08:00:00Z")))))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("reason");
    assertThatThrownBy(
            () ->
                applyStatus(
                    "w",
                    network(
                        "bad",
                        List.of(
                            Map.of(
                                "type",
                                "Ready",
                                "status",
                                "True",
                                "reason",
                                "R",
                                "message",
                                "",
                                "lastTransitionTime",
                                "yesterday")))))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("lastTransitionTime");
  }

  @Test
  void kubectlGetVdenodesShowsReadyFirstAndAgeLast() throws Exception {
    String name = "node-cols-" + ns;
    GenericKubernetesResource node =
        client
            .genericKubernetesResources("kubevde.io/v1alpha1", "VdeNode")
            .resource(
                new GenericKubernetesResourceBuilder()
                    .withApiVersion("kubevde.io/v1alpha1")
                    .withKind("VdeNode")
                    .withNewMetadata()
                    .withName(name)
                    .endMetadata()
                    .withAdditionalProperties(
                        Map.of("spec", Map.of("address", "10.0.0.5", "agentVersion", "0.1.0")))
                    .build())
            .create();
    node.setAdditionalProperty(
        "status",
        Map.of(
            "attachments",
            2,
            "conditions",
            List.of(condition("Ready", "False")),
            "lastHeartbeat",
            "2026-12-05T08:00:00Z"));
    client
        .genericKubernetesResources("kubevde.io/v1alpha1", "VdeNode")
        .resource(node)
        .updateStatus();
    java.nio.file.Path kc = java.nio.file.Files.createTempFile("kubeconfig", ".yaml");
    try {
      java.nio.file.Files.writeString(kc, KubeApi.withKubevdeCrds().kubeConfigYaml());
      java.nio.file.Path kubectl;
      try (var versions = java.nio.file.Files.list(KubeApi.binariesDir().resolve("k8s"))) {
        kubectl = versions.findFirst().orElseThrow().resolve("kubectl");
      }
      Process p =
          new ProcessBuilder(
                  kubectl.toString(), "--kubeconfig", kc.toString(), "get", "vdenodes", name)
              .redirectErrorStream(true)
              .start();
      String out = new String(p.getInputStream().readAllBytes());
      assertThat(p.waitFor()).as(out).isZero();
      List<String> lines = out.lines().toList();
      assertThat(lines.get(0).split("\\s+"))
          .containsExactly("NAME", "READY", "ADDRESS", "NETWORKS", "ATTACHMENTS", "AGE");
      assertThat(lines.get(1).split("\\s+")).startsWith(name, "False", "10.0.0.5");
    } finally {
      java.nio.file.Files.deleteIfExists(kc);
      client.genericKubernetesResources("kubevde.io/v1alpha1", "VdeNode").withName(name).delete();
    }
  }

  @Test
  void everyKindIsInTheKubevdeCategoryWithReadyFirstAndAgeLast() {
    for (String name :
        List.of("vdenetworks.kubevde.io", "vdelinks.kubevde.io", "vdenodes.kubevde.io")) {
      CustomResourceDefinition crd =
          client.apiextensions().v1().customResourceDefinitions().withName(name).get();
      assertThat(crd.getSpec().getNames().getCategories()).as(name).contains("kubevde");
      var cols = crd.getSpec().getVersions().get(0).getAdditionalPrinterColumns();
      assertThat(cols.get(cols.size() - 1).getName()).as(name).isEqualTo("Age");
    }
    var netCols =
        client
            .apiextensions()
            .v1()
            .customResourceDefinitions()
            .withName("vdenetworks.kubevde.io")
            .get()
            .getSpec()
            .getVersions()
            .get(0)
            .getAdditionalPrinterColumns();
    assertThat(netCols.get(0).getName()).isEqualTo("Ready");
    for (String name : List.of("vdelinks.kubevde.io", "vdenodes.kubevde.io")) {
      assertThat(
              client
                  .apiextensions()
                  .v1()
                  .customResourceDefinitions()
                  .withName(name)
                  .get()
                  .getSpec()
                  .getVersions()
                  .get(0)
                  .getAdditionalPrinterColumns()
                  .get(0)
                  .getName())
          .as(name)
          .isEqualTo("Ready");
    }
    assertThat(netCols)
        .filteredOn(c -> c.getName().equals("VNI"))
        .singleElement()
        .satisfies(c -> assertThat(c.getPriority()).isEqualTo(1));
  }
}
