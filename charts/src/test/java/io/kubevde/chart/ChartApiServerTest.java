package io.kubevde.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.api.v1alpha1.Encryption;
import io.kubevde.api.v1alpha1.EncryptionMode;
import io.kubevde.api.v1alpha1.Ipam;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.operator.KubevdeOperator;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.operator.model.Conditions;
import io.kubevde.testing.KubeApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The chart against a real kube-apiserver v1.34 with RBAC authorization (fabric8 kube-api-test):
 * helm install (CRDs included), server-side dry-run apply of everything several values sets render,
 * and the chart's RBAC proven sufficient and tight by running the operator, and calling the API as
 * the agent, under the chart's own service accounts (impersonation). There is no kubelet: pods
 * never run, so nothing waits for readiness.
 */
class ChartApiServerTest {
  static final String NS = "kubevde-it";
  static final String RELEASE = "kv";
  static final String FULLNAME = "kv-kubevde";
  @TempDir static Path tmp;
  static Release release;

  @BeforeAll
  static void helmInstall() throws Exception {
    Path kubeconfig =
        Files.writeString(tmp.resolve("kubeconfig"), KubeApi.withoutCrds().kubeConfigYaml());
    release =
        new Helm(Chart.dir())
            .install()
            .withName(RELEASE)
            .withNamespace(NS)
            .createNamespace()
            .withKubeConfig(kubeconfig)
            .call();
    try (KubernetesClient admin = KubeApi.withoutCrds().client()) {
      for (String crd :
          List.of("vdenetworks.kubevde.io", "vdelinks.kubevde.io", "vdenodes.kubevde.io")) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    KubeApi.established(
                        admin
                            .apiextensions()
                            .v1()
                            .customResourceDefinitions()
                            .withName(crd)
                            .get()));
      }
      // the Multus NAD CRD (minimal schema), so the operator's NAD writes are exercised too
      admin
          .apiextensions()
          .v1()
          .customResourceDefinitions()
          .resource(
              Chart.JSON.unmarshal(
                  """
          apiVersion: apiextensions.k8s.io/v1
          kind: CustomResourceDefinition
          metadata: {name: network-attachment-definitions.k8s.cni.cncf.io}
          spec:
            group: k8s.cni.cncf.io
            scope: Namespaced
            names: {plural: network-attachment-definitions, singular: network-attachment-definition,
                    kind: NetworkAttachmentDefinition, shortNames: [net-attach-def]}
            versions:
            - name: v1
              served: true
              storage: true
              schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
          """,
                  CustomResourceDefinition.class))
          .serverSideApply();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  KubeApi.established(
                      admin
                          .apiextensions()
                          .v1()
                          .customResourceDefinitions()
                          .withName("network-attachment-definitions.k8s.cni.cncf.io")
                          .get()));
    }
  }

  @Test
  void helmInstallCreatedEveryTemplatedObject() {
    assertThat(release.getStatus()).isEqualTo("deployed");
    try (KubernetesClient admin = KubeApi.withoutCrds().client()) {
      // hooks (the uninstall Job and its RBAC) are created by helm uninstall only
      List<HasMetadata> rendered =
          Chart.objects(Chart.render(RELEASE, NS, Map.of())).stream()
              .filter(o -> !Chart.isHook(o))
              .toList();
      assertThat(rendered).hasSizeGreaterThan(10);
      assertThat(Chart.names(rendered)).contains("DaemonSet/" + FULLNAME + "-agent");
      for (HasMetadata o : rendered) {
        assertThat(admin.resource(o).get())
            .as("%s/%s", o.getKind(), o.getMetadata().getName())
            .isNotNull();
      }
    }
  }

  static List<Map<String, Object>> valueSets() {
    return List.of(
        Map.of(),
        Map.of(
            "agent.privileged",
            "true",
            "multus.enabled",
            "false",
            "agent.mtu",
            "1400",
            "agent.cni.binDir",
            "/home/kubernetes/bin",
            "operator.leaderElection.enabled",
            "false",
            "operator.replicas",
            "2",
            "operator.metrics.service",
            "false"),
        Map.of(
            "rbac.create",
            "false",
            "operator.serviceAccount.create",
            "false",
            "operator.serviceAccount.name",
            "ops",
            "agent.serviceAccount.create",
            "false",
            "agent.serviceAccount.name",
            "agents",
            "fullnameOverride",
            "v"),
        Map.of(
            "agent.appArmorProfile",
            "RuntimeDefault",
            "agent.tolerations[0].key",
            "dedicated",
            "agent.tolerations[0].operator",
            "Exists",
            "operator.tolerations[0].operator",
            "Exists",
            "operator.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                + ".matchExpressions[0].key",
            "node-role.kubernetes.io/control-plane",
            "operator.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0]"
                + ".matchExpressions[0].operator",
            "Exists",
            "imagePullSecrets[0].name",
            "regcred"),
        Map.of(
            "agent.ports.health",
            "19465",
            "agent.ports.metrics",
            "19464",
            "agent.service.enabled",
            "true",
            "agent.updateStrategy.type",
            "OnDelete",
            "cleanup.force",
            "true"));
  }

  @ParameterizedTest
  @MethodSource("valueSets")
  void everyRenderedObjectPassesServerSideDryRunApply(Map<String, Object> values) throws Exception {
    try (KubernetesClient admin = KubeApi.withoutCrds().client()) {
      String ns = KubeApi.newNamespace(admin, "dry");
      List<HasMetadata> objs = Chart.objects(Chart.render("dry", ns, values));
      assertThat(objs).isNotEmpty();
      for (HasMetadata o : objs) {
        HasMetadata out =
            admin
                .resource(o)
                .dryRun()
                .fieldManager("helm-dry-run")
                .forceConflicts()
                .serverSideApply();
        assertThat(out.getMetadata().getUid())
            .as("%s %s", o.getKind(), o.getMetadata().getName())
            .isNotBlank();
      }
    }
  }

  @Test
  void operatorRunsUnderTheChartsServiceAccount() throws Exception {
    OperatorConfig cfg;
    try (KubernetesClient admin = KubeApi.withoutCrds().client()) {
      List<HasMetadata> installed =
          List.of(
              admin.apps().deployments().inNamespace(NS).withName(FULLNAME + "-operator").get());
      cfg = RenderedOperator.of(installed, FULLNAME).config();
    }
    assertThat(cfg.leaderElection()).isTrue();
    try (KubernetesClient admin = KubeApi.withoutCrds().client();
        KubernetesClient asOperator = KubeApi.withoutCrds().as(NS, FULLNAME + "-operator");
        KubevdeOperator op = new KubevdeOperator(asOperator, cfg)) {
      String appNs = KubeApi.newNamespace(admin, "apps");
      op.start();
      VdeNetwork net = new VdeNetwork();
      net.setMetadata(new ObjectMetaBuilder().withNamespace(appNs).withName("blue").build());
      net.setSpec(
          new VdeNetworkSpec(
              Transport.VXVDE,
              null,
              null,
              null,
              null,
              null,
              new Ipam(null, "10.77.0.0/24", null, null, null, null, null),
              null,
              null,
              null,
              new Encryption(EncryptionMode.SEALED, null)));
      admin.resource(net).create();
      await()
          .atMost(Duration.ofSeconds(90))
          .untilAsserted(
              () -> {
                VdeNetwork n =
                    admin.resources(VdeNetwork.class).inNamespace(appNs).withName("blue").get();
                assertThat(n.getStatus()).isNotNull();
                assertThat(Conditions.isTrue(n.getStatus().conditions(), Conditions.READY))
                    .as("%s", n.getStatus())
                    .isTrue();
              });
      // the agent DaemonSet is the chart's: the operator writes none (and may not: RBAC)
      assertThat(admin.apps().daemonSets().inNamespace(NS).list().getItems())
          .extracting(d -> d.getMetadata().getName())
          .containsExactly(FULLNAME + "-agent");
      var lease = admin.leases().inNamespace(NS).withName("kubevde-operator").get().getSpec();
      assertThat(lease.getHolderIdentity()).isNotBlank();
      // renewals go through (fabric8's LeaseLock renews with PATCH)
      await()
          .atMost(Duration.ofSeconds(45))
          .until(
              () ->
                  !admin
                      .leases()
                      .inNamespace(NS)
                      .withName("kubevde-operator")
                      .get()
                      .getSpec()
                      .getRenewTime()
                      .equals(lease.getRenewTime()));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  admin
                          .genericKubernetesResources(
                              "k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
                          .inNamespace(appNs)
                          .withName("blue")
                          .get()
                      != null);
      // a sealed network's key Secret, next to the agent ConfigMap, written with the chart's
      // permissions
      String keySecret = "vnet-key." + appNs + ".blue";
      assertThat(admin.secrets().inNamespace(NS).withName(keySecret).get().getData())
          .containsKey("network.key");
      // deletion: the finalizer cleans the agent ConfigMap and the NAD with the chart's permissions
      admin.resource(net).delete();
      await()
          .atMost(Duration.ofSeconds(90))
          .until(
              () ->
                  admin.resources(VdeNetwork.class).inNamespace(appNs).withName("blue").get()
                      == null);
      assertThat(
              admin
                  .genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
                  .inNamespace(appNs)
                  .withName("blue")
                  .get())
          .isNull();
      assertThat(admin.secrets().inNamespace(NS).withName(keySecret).get())
          .as("key Secret deleted")
          .isNull();
    }
  }

  @Test
  void operatorServiceAccountHandlesSecretsOnlyInItsNamespaceAndNoOtherNamespacesWorkloads() {
    try (KubernetesClient asOperator = KubeApi.withoutCrds().as(NS, FULLNAME + "-operator")) {
      assertThat(asOperator.secrets().inNamespace(NS).list().getItems())
          .isNotNull(); // key Secrets live there
      assertForbidden(() -> asOperator.secrets().inNamespace("default").list());
      assertForbidden(() -> asOperator.secrets().inAnyNamespace().list());
      assertForbidden(() -> asOperator.apps().daemonSets().inNamespace("default").list());
      assertForbidden(() -> asOperator.apps().daemonSets().inNamespace(NS).list());
      assertForbidden(() -> asOperator.configMaps().inNamespace("default").list());
      assertForbidden(() -> asOperator.pods().inAnyNamespace().list());
    }
  }

  @Test
  void agentServiceAccountReadsNetworksAndWritesOnlyItsVdeNode() {
    try (KubernetesClient admin = KubeApi.withoutCrds().client();
        KubernetesClient asAgent = KubeApi.withoutCrds().as(NS, FULLNAME + "-agent")) {
      admin
          .configMaps()
          .inNamespace(NS)
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withName("vnet.x.y")
                  .endMetadata()
                  .addToData("network.json", "{}")
                  .build())
          .serverSideApply();
      assertThat(asAgent.resources(VdeNetwork.class).inAnyNamespace().list().getItems())
          .isNotNull();
      assertThat(asAgent.configMaps().inNamespace(NS).withName("vnet.x.y").get().getData())
          .containsKey("network.json");
      assertThat(
              asAgent
                  .pods()
                  .inAnyNamespace()
                  .withField("spec.nodeName", "node-a")
                  .list()
                  .getItems())
          .isEmpty();
      VdeNode node = new VdeNode();
      node.setMetadata(new ObjectMetaBuilder().withName("node-a").build());
      node.setSpec(new VdeNodeSpec("10.77.0.1", "0.1.0"));
      VdeNode created = asAgent.resource(node).fieldManager("kubevde-agent").serverSideApply();
      assertThat(created.getMetadata().getUid()).isNotBlank();
      // key Secrets: read in the release namespace only, never written
      admin
          .secrets()
          .inNamespace(NS)
          .resource(
              new SecretBuilder()
                  .withNewMetadata()
                  .withName("vnet-key.x.y")
                  .endMetadata()
                  .addToData("network.key", "MQ==")
                  .build())
          .serverSideApply();
      assertThat(asAgent.secrets().inNamespace(NS).withName("vnet-key.x.y").get().getData())
          .containsKey("network.key");
      assertThat(asAgent.secrets().inNamespace(NS).list().getItems()).isNotEmpty();
      assertForbidden(() -> asAgent.secrets().inNamespace("default").list());
      assertForbidden(
          () ->
              asAgent
                  .secrets()
                  .inNamespace(NS)
                  .resource(
                      new SecretBuilder().withNewMetadata().withName("evil").endMetadata().build())
                  .create());
      assertForbidden(() -> asAgent.secrets().inNamespace(NS).withName("vnet-key.x.y").delete());
      // the heartbeat Lease in the release namespace: create, then renew with update
      var lease =
          asAgent
              .leases()
              .inNamespace(NS)
              .resource(
                  new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
                      .withNewMetadata()
                      .withName("kubevde-node-node-a")
                      .endMetadata()
                      .withNewSpec()
                      .withHolderIdentity("node-a")
                      .withRenewTime(java.time.ZonedDateTime.now())
                      .endSpec()
                      .build())
              .create();
      lease.getSpec().setRenewTime(java.time.ZonedDateTime.now().plusSeconds(10));
      assertThat(
              asAgent
                  .leases()
                  .inNamespace(NS)
                  .resource(lease)
                  .update()
                  .getMetadata()
                  .getResourceVersion())
          .isNotEqualTo(lease.getMetadata().getResourceVersion());
      assertForbidden(
          () -> asAgent.leases().inNamespace("default").withName("kubevde-node-node-a").get());
      assertForbidden(
          () -> asAgent.leases().inNamespace(NS).withName("kubevde-node-node-a").delete());
      assertForbidden(
          () ->
              asAgent
                  .configMaps()
                  .inNamespace(NS)
                  .resource(
                      new ConfigMapBuilder()
                          .withNewMetadata()
                          .withName("evil")
                          .endMetadata()
                          .build())
                  .create());
      assertForbidden(() -> asAgent.configMaps().inNamespace("default").list());
      assertForbidden(
          () -> asAgent.resources(VdeNetwork.class).inNamespace("default").withName("x").delete());
      assertForbidden(() -> asAgent.apps().daemonSets().inNamespace(NS).list());
      admin.resource(node).delete();
      admin.resource(lease).delete();
    }
  }

  private static void assertForbidden(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            KubernetesClientException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }
}
