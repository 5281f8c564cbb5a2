package io.kubevde.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.dataplane.LinkManager;
import io.kubevde.api.v1alpha1.LinkMode;
import io.kubevde.api.v1alpha1.LinkPath;
import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeLinkSpec;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.KubeApi;
import io.kubevde.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's VdeLink policy against a real kube-apiserver (the chart's admission policy is not
 * installed here, so the agent is the only guard): a VdeLink in a tenant namespace gets its {@code
 * udp://} path opened, while a {@code tap://} path and a {@code vdenetwork://} path to another
 * namespace are never opened and are reported {@code Refused} in the VdeNode status with the
 * policy's reason, and as a {@code LinkRefused} Event; no tap is created on the host.
 */
class LinkPolicyAgentTest {
  private Path dir;
  private KubernetesClient client;
  private String cfgNs;
  private String tenantNs;
  private final String node = "node-" + UUID.randomUUID().toString().substring(0, 6);
  private final String tap = "kvpol" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvlinkpol");
    Files.writeString(dir.resolve("kubeconfig"), KubeApi.withKubevdeCrds().kubeConfigYaml());
    client = KubeApi.withKubevdeCrds().client();
    cfgNs = KubeApi.newNamespace(client, "sys");
    tenantNs = KubeApi.newNamespace(client, "tenant");
  }

  @AfterEach
  void tearDown() throws Exception {
    Sh.exec("ip", "link", "del", tap);
    if (client != null) client.close();
    Dirs.deleteTree(dir);
  }

  @Test
  void tenantPathsOutsideThePolicyAreRefusedAndReported() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), cfgNs, 1_000);
    int p1 = 20000 + (int) (Math.random() * 20000);
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      String json =
          """
                    {"namespace":"%s","name":"red","transport":"local","nodeSelector":{},"ipamType":"none"}"""
              .formatted(tenantNs);
      client
          .configMaps()
          .inNamespace(cfgNs)
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withNamespace(cfgNs)
                  .withName("vnet." + tenantNs + ".red")
                  .withLabels(
                      Map.of(
                          "app.kubernetes.io/component",
                          "agent-config",
                          "app.kubernetes.io/managed-by",
                          "kubevde"))
                  .endMetadata()
                  .withData(Map.of("network.json", json))
                  .build())
          .create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(tenantNs + "/red").isPresent());
      client
          .resources(VdeLink.class)
          .resource(
              VdeLink.of(
                  tenantNs,
                  "wan",
                  new VdeLinkSpec(
                      "red",
                      node,
                      null,
                      LinkMode.MULTI,
                      List.of(
                          new LinkPath("ok", "udp://127.0.0.1:" + p1 + "->127.0.0.1:" + (p1 + 1)),
                          new LinkPath("host", "tap://" + tap),
                          new LinkPath("peer", "vdenetwork://" + cfgNs + "/blue")))))
          .create();

      await().atMost(Duration.ofSeconds(60)).until(() -> agent.links().status().size() == 3);
      Map<String, LinkManager.PathState> byPath = new java.util.HashMap<>();
      for (LinkManager.PathState s : agent.links().status()) byPath.put(s.path(), s);
      assertThat(byPath.get("ok").up()).isTrue();
      assertThat(byPath.get("ok").refused()).isNull();
      assertThat(byPath.get("host").up()).isFalse();
      assertThat(byPath.get("host").refused()).contains("tap://", tenantNs, "linkPolicy");
      assertThat(byPath.get("peer").refused()).contains("vdenetwork://" + cfgNs, tenantNs);
      assertThat(Sh.exec("ip", "link", "show", tap).exitCode()).as("no tap was opened").isNotZero();

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                VdeNode v = client.resources(VdeNode.class).withName(node).get();
                assertThat(v).isNotNull();
                assertThat(v.getStatus()).isNotNull();
                Map<String, NodeLinkPath> reported = new java.util.HashMap<>();
                for (NodeLinkPath p : v.getStatus().links()) reported.put(p.path(), p);
                assertThat(reported).containsKeys("ok", "host", "peer");
                assertThat(reported.get("ok").state()).isEqualTo(PathState.UP);
                assertThat(reported.get("host").state()).isEqualTo(PathState.REFUSED);
                assertThat(reported.get("host").message()).contains("tap://");
                assertThat(reported.get("peer").state()).isEqualTo(PathState.REFUSED);
              });
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  client.v1().events().inNamespace(tenantNs).list().getItems().stream()
                      .anyMatch(
                          e ->
                              "LinkRefused".equals(e.getReason())
                                  && "wan".equals(e.getInvolvedObject().getName())
                                  && e.getMessage().contains("path host")
                                  && e.getMessage().contains("tap://")));
    }
  }
}
