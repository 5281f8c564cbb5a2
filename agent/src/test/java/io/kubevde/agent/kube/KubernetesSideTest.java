package io.kubevde.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.api.v1alpha1.LinkMode;
import io.kubevde.api.v1alpha1.LinkPath;
import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeLinkSpec;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.KubeApi;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent against a real kube-apiserver (fabric8 kube-api-test, binaries from
 * e2e/cluster/k8s-binaries; missing binaries fail the test): the operator's ConfigMap appears →
 * switch with the operator's IPAM block; a CNI ADD gets an address from this node's block; the
 * VdeNode gets the status fields the operator's NodeReports reads; a ConfigMap edit (hub) and
 * deletion are applied; a VdeLink's paths are run and reported, and an edit hands off.
 */
class KubernetesSideTest {
  private Path dir;
  private Netns netns;
  private KubernetesClient client;
  private String ns;
  private final String node = "node-" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvkube");
    netns = new Netns();
    Files.writeString(dir.resolve("kubeconfig"), KubeApi.withKubevdeCrds().kubeConfigYaml());
    client = KubeApi.withKubevdeCrds().client();
    ns = KubeApi.newNamespace(client, "agent");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (netns != null) netns.close();
    if (client != null) client.close();
    Dirs.deleteTree(dir);
  }

  ConfigMap configMap(String net, String switchMode) {
    String json =
        """
                {"namespace":"%s","name":"%s","uid":"u1","generation":1,"transport":"local","port":14789,"mtu":1400,
                 "switchMode":"%s","nodeSelector":{},"ipamType":"host-local","subnet":"192.168.77.0/24",
                 "gateway":"192.168.77.1","exclude":[],
                 "nodeRanges":{"%s":{"node":"%s","cidr":"192.168.77.64/26"},"other":{"node":"other","cidr":"192.168.77.128/26"}},
                 "peers":[]}"""
            .formatted(ns, net, switchMode, node, node);
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName("vnet." + ns + "." + net)
        .withLabels(
            Map.of(
                "app.kubernetes.io/component",
                "agent-config",
                "app.kubernetes.io/managed-by",
                "kubevde"))
        .endMetadata()
        .withData(Map.of("network.json", json))
        .build();
  }

  CniPlugin.Outcome add(Agent agent, String net, String id, String pod) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", "ADD");
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", Netns.path(pod));
    env.put("CNI_IFNAME", "net1");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put("CNI_ARGS", "K8S_POD_NAMESPACE=" + ns + ";K8S_POD_NAME=p-" + id);
    env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
    String conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\""
            + net
            + "\",\"type\":\"kubevde\",\"network\":\""
            + ns
            + "/"
            + net
            + "\",\"ipam\":{\"subnet\":\"10.99.0.0/24\"}}";
    return new CniPlugin(p -> new AgentClient(p, 60_000)).run(env, conf);
  }

  VdeNode vdeNode() {
    return client.resources(VdeNode.class).withName(node).get();
  }

  @Test
  void aSealedNetworksUplinkOpensWithTheKeyFileWrittenFromItsSecret() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), ns, 1_000);
    int port = java.util.concurrent.ThreadLocalRandom.current().nextInt(20000, 40000);
    String secretName = "vnet-key." + ns + ".sealed";
    String json =
        """
                {"namespace":"%s","name":"sealed","uid":"u2","transport":"vxvde-unicast","vni":4444,"port":%d,
                 "switchMode":"learning","nodeSelector":{},"ipamType":"none","peers":["127.0.0.1","127.0.0.2"],
                 "keySecret":"%s"}"""
            .formatted(ns, port, secretName);
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      client
          .configMaps()
          .inNamespace(ns)
          .resource(
              new ConfigMapBuilder()
                  .withNewMetadata()
                  .withNamespace(ns)
                  .withName("vnet." + ns + ".sealed")
                  .withLabels(Map.of("app.kubernetes.io/component", "agent-config"))
                  .endMetadata()
                  .withData(Map.of("network.json", json))
                  .build())
          .create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(ns + "/sealed").isPresent());
      NetworkSwitch sw = agent.dataPlane().network(ns + "/sealed").orElseThrow();
      assertThat(sw.uplinkVnl()).as("no key yet: no uplink at all").isNull();

      String k1 = java.util.Base64.getEncoder().encodeToString(new byte[32]);
      client
          .secrets()
          .inNamespace(ns)
          .resource(
              new io.fabric8.kubernetes.api.model.SecretBuilder()
                  .withNewMetadata()
                  .withName(secretName)
                  .withLabels(Map.of("app.kubernetes.io/component", "agent-key"))
                  .endMetadata()
                  .addToStringData("network.key", "1 " + k1 + " current\n")
                  .build())
          .create();
      Path keyFile = dir.resolve("run/keys/" + secretName + ".key");
      await().atMost(Duration.ofSeconds(30)).until(() -> sw.uplinkVnl() != null);
      assertThat(sw.uplinkVnl())
          .isEqualTo(
              "seal://"
                  + keyFile
                  + "{vxvde:///port="
                  + port
                  + "/vni=4444/peers=127.0.0.1,127.0.0.2}");
      assertThat(Files.readString(keyFile)).isEqualTo("1 " + k1 + " current\n");
      assertThat(
              java.nio.file.attribute.PosixFilePermissions.toString(
                  Files.getPosixFilePermissions(keyFile)))
          .isEqualTo("r--------");
      String uplinkBefore = sw.uplinkVnl();

      // a rotation phase: the file changes in place, the uplink stays
      String k2 =
          java.util.Base64.getEncoder()
              .encodeToString(
                  new byte[] {
                    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
                    2, 2, 2, 2, 2
                  });
      client
          .secrets()
          .inNamespace(ns)
          .withName(secretName)
          .edit(
              sec -> {
                sec.setData(
                    Map.of(
                        "network.key",
                        java.util.Base64.getEncoder()
                            .encodeToString(
                                ("1 " + k1 + " current\n2 " + k2 + "\n")
                                    .getBytes(java.nio.charset.StandardCharsets.UTF_8))));
                return sec;
              });
      await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(keyFile).contains(k2));
      assertThat(sw.uplinkVnl()).as("the uplink was not reopened").isSameAs(uplinkBefore);

      client.secrets().inNamespace(ns).withName(secretName).delete();
      await().atMost(Duration.ofSeconds(30)).until(() -> !Files.exists(keyFile));
    }
  }

  @Test
  void configMapMakesASwitchAndTheVdeNodeReportsIt() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), ns, 1_000);
    client
        .nodes()
        .resource(new NodeBuilder().withNewMetadata().withName(node).endMetadata().build())
        .create();
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      client.configMaps().inNamespace(ns).resource(configMap("blue", "learning")).create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(ns + "/blue").isPresent());
      NetworkSwitch sw = agent.dataPlane().network(ns + "/blue").orElseThrow();
      assertThat(sw.node().kind()).isEqualTo(NetnodeKind.SWITCH);
      assertThat(Files.exists(dir.resolve("run/net/" + ns + "/blue/ctl"))).isTrue();

      String a = netns.create(), b = netns.create();
      CniPlugin.Outcome r = add(agent, "blue", "ka", a);
      assertThat(r.exitCode()).as(r.stdout()).isZero();
      assertThat(add(agent, "blue", "kb", b).exitCode()).isZero();
      String ipA = Sh.run("ip", "-n", a, "-4", "-o", "addr", "show", "dev", "net1");
      String ipB =
          Sh.run("ip", "-n", b, "-4", "-o", "addr", "show", "dev", "net1")
              .replaceAll("(?s).*inet (\\S+)/.*", "$1");
      assertThat(ipA)
          .as("operator's block for this node, subnet prefix")
          .containsPattern("inet 192\\.168\\.77\\.(6[4-9]|[7-9]\\d|1[01]\\d|12[0-7])/24");
      assertThat(Sh.run("ip", "-n", a, "link", "show", "net1")).contains("mtu 1400");
      assertThat(
              Sh.exec("ip", "netns", "exec", a, "ping", "-c", "2", "-i", "0.2", "-W", "2", ipB)
                  .exitCode())
          .isZero();

      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                VdeNode v = vdeNode();
                assertThat(v).isNotNull();
                assertThat(v.getSpec().agentVersion()).isNotBlank();
                assertThat(v.getStatus()).isNotNull();
                List<NodeNetwork> blue =
                    v.getStatus().networks().stream().filter(n -> n.name().equals("blue")).toList();
                assertThat(blue).hasSize(1);
                assertThat(blue.getFirst().namespace()).isEqualTo(ns);
                assertThat(blue.getFirst().ready()).isTrue();
                assertThat(blue.getFirst().attachments()).isEqualTo(2);
                assertThat(blue.getFirst().macTableSize())
                    .isGreaterThanOrEqualTo(1); // 2 MACs may share a slot
                assertThat(v.getStatus().attachments()).isEqualTo(2);
                assertThat(v.getStatus().attachmentList())
                    .extracting(x -> x.pod())
                    .contains(ns + "/p-ka", ns + "/p-kb");
                assertThat(v.getStatus().macTableSize()).isGreaterThanOrEqualTo(1);
                // the Ready column of kubectl get vdenodes (AttachmentsHealthy is the other one)
                assertThat(v.getStatus().conditions())
                    .extracting(c -> c.getType())
                    .containsExactlyInAnyOrder("Ready", "AttachmentsHealthy");
                assertThat(v.getStatus().conditions())
                    .filteredOn(c -> "Ready".equals(c.getType()))
                    .singleElement()
                    .satisfies(
                        c -> {
                          assertThat(c.getType()).isEqualTo("Ready");
                          assertThat(c.getStatus()).isEqualTo("True");
                          assertThat(c.getReason()).isEqualTo("NetworksReady");
                          assertThat(c.getLastTransitionTime()).isNotBlank();
                        });
                assertThat(
                        Duration.between(
                                Instant.parse(v.getStatus().lastHeartbeat()), Instant.now())
                            .abs())
                    .isLessThan(Duration.ofSeconds(30));
              });
      // the VdeNode is owned by its Node (garbage-collected with it); the heartbeat is the Lease,
      // renewed every
      // beat, while the unchanged VdeNode is not rewritten
      Node owner = client.nodes().withName(node).get();
      assertThat(vdeNode().getMetadata().getOwnerReferences())
          .singleElement()
          .satisfies(
              o -> {
                assertThat(o.getKind()).isEqualTo("Node");
                assertThat(o.getUid()).isEqualTo(owner.getMetadata().getUid());
              });
      var lease = client.leases().inNamespace(ns).withName(NodeLease.name(node));
      await().atMost(Duration.ofSeconds(30)).until(() -> lease.get() != null);
      assertThat(lease.get().getSpec().getHolderIdentity()).isEqualTo(node);
      var renewed = lease.get().getSpec().getRenewTime();
      String rv = vdeNode().getMetadata().getResourceVersion();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> lease.get().getSpec().getRenewTime().isAfter(renewed));
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(5))
          .until(() -> rv.equals(vdeNode().getMetadata().getResourceVersion()));

      // edit: hub → the switch is recreated as a hub and the taps re-attached
      client.configMaps().inNamespace(ns).resource(configMap("blue", "hub")).update();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  agent
                      .dataPlane()
                      .network(ns + "/blue")
                      .map(s -> s.node().kind() == NetnodeKind.HUB)
                      .orElse(false));
      assertThat(agent.dataPlane().network(ns + "/blue").orElseThrow().attachments()).isEqualTo(2);
      assertThat(
              Sh.exec("ip", "netns", "exec", a, "ping", "-c", "2", "-i", "0.2", "-W", "2", ipB)
                  .exitCode())
          .isZero();

      // delete: the switch goes, the VdeNode stops listing the network
      client.configMaps().inNamespace(ns).withName("vnet." + ns + ".blue").delete();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(ns + "/blue").isEmpty());
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  vdeNode().getStatus().networks().stream()
                      .noneMatch(n -> n.name().equals("blue")));

      // recreated: the pods' taps (still in the pods) are re-attached
      client.configMaps().inNamespace(ns).resource(configMap("blue", "learning")).create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  agent
                      .dataPlane()
                      .network(ns + "/blue")
                      .map(s -> s.attachments() == 2)
                      .orElse(false));
      assertThat(
              Sh.exec("ip", "netns", "exec", a, "ping", "-c", "2", "-i", "0.2", "-W", "2", ipB)
                  .exitCode())
          .isZero();
    }
  }

  @Test
  void vdeLinkPathsRunAndHandOff() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), ns, 1_000);
    int p1 = 20000 + (int) (Math.random() * 20000), p2 = p1 + 1, far1 = p1 + 2, far2 = p1 + 3;
    try (Agent agent = new Agent(cfg);
        Plug far = Plugs.open("udp://127.0.0.1:" + far1 + "->127.0.0.1:" + p1, OpenArgs.DEFAULT);
        Plug farB = Plugs.open("udp://127.0.0.1:" + far2 + "->127.0.0.1:" + p2, OpenArgs.DEFAULT)) {
      agent.start();
      client.configMaps().inNamespace(ns).resource(configMap("red", "learning")).create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(ns + "/red").isPresent());
      VdeLink link =
          VdeLink.of(
              ns,
              "wan",
              new VdeLinkSpec(
                  "red",
                  node,
                  null,
                  LinkMode.MULTI,
                  List.of(new LinkPath("a", "udp://127.0.0.1:" + p1 + "->127.0.0.1:" + far1))));
      client.resources(VdeLink.class).resource(link).create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> agent.links().status().size() == 1 && agent.links().status().getFirst().up());
      ByteBuffer frame = ByteBuffer.allocateDirect(60);
      for (int i = 0; i < 10; i++) {
        frame.clear();
        for (int j = 0; j < 60; j++) frame.put(j, (byte) (j < 6 ? 0xff : j == 6 ? 0x02 : j + i));
        frame.limit(60);
        far.send(frame);
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                List<NodeLinkPath> links = vdeNode().getStatus().links();
                assertThat(links).hasSize(1);
                assertThat(links.getFirst().path()).isEqualTo("a");
                assertThat(links.getFirst().state()).isEqualTo(PathState.UP);
                assertThat(links.getFirst().rxFrames()).isEqualTo(10);
                assertThat(links.getFirst().namespace()).isEqualTo(ns);
                assertThat(links.getFirst().link()).isEqualTo("wan");
              });
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  client.v1().events().inNamespace(ns).list().getItems().stream()
                      .anyMatch(
                          e ->
                              "LinkUp".equals(e.getReason())
                                  && "wan".equals(e.getInvolvedObject().getName())
                                  && e.getMessage().contains("path a")));
      // hand-off: add b, then remove a
      client
          .resources(VdeLink.class)
          .resource(
              VdeLink.of(
                  ns,
                  "wan",
                  new VdeLinkSpec(
                      "red",
                      node,
                      null,
                      LinkMode.MULTI,
                      List.of(
                          new LinkPath("a", "udp://127.0.0.1:" + p1 + "->127.0.0.1:" + far1),
                          new LinkPath("b", "udp://127.0.0.1:" + p2 + "->127.0.0.1:" + far2)))))
          .update();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  agent.links().status().size() == 2
                      && agent.links().status().stream().allMatch(s -> s.up()));
      client
          .resources(VdeLink.class)
          .resource(
              VdeLink.of(
                  ns,
                  "wan",
                  new VdeLinkSpec(
                      "red",
                      node,
                      null,
                      LinkMode.MULTI,
                      List.of(new LinkPath("b", "udp://127.0.0.1:" + p2 + "->127.0.0.1:" + far2)))))
          .update();
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                List<NodeLinkPath> links = vdeNode().getStatus().links();
                assertThat(links).extracting(NodeLinkPath::path).containsExactly("b");
                assertThat(links.getFirst().state()).isEqualTo(PathState.UP);
              });
      client.resources(VdeLink.class).inNamespace(ns).withName("wan").delete();
      await().atMost(Duration.ofSeconds(60)).until(() -> agent.links().status().isEmpty());
      assertThat(agent.dataPlane().network(ns + "/red").orElseThrow().node().ports()).isEmpty();
    }
  }

  @Test
  void restartBringsNetworksBackFromTheCacheBeforeTheApiAndPrunesDeletedOnes() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), ns, 1_000);
    String a = netns.create(), b = netns.create();
    String ipB;
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      client.configMaps().inNamespace(ns).resource(configMap("green", "learning")).create();
      client.configMaps().inNamespace(ns).resource(configMap("gone", "learning")).create();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  agent.dataPlane().network(ns + "/green").isPresent()
                      && agent.dataPlane().network(ns + "/gone").isPresent());
      assertThat(add(agent, "green", "ga", a).exitCode()).isZero();
      assertThat(add(agent, "green", "gb", b).exitCode()).isZero();
      ipB =
          Sh.run("ip", "-n", b, "-4", "-o", "addr", "show", "dev", "net1")
              .replaceAll("(?s).*inet (\\S+)/.*", "$1");
    }
    // while the agent is down, one network is deleted
    client.configMaps().inNamespace(ns).withName("vnet." + ns + ".gone").delete();
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      // right after start (no informer event needed): the operator network is back with both taps
      NetworkSwitch sw = agent.dataPlane().network(ns + "/green").orElseThrow();
      assertThat(sw.fromOperator()).isTrue();
      assertThat(sw.attachments()).isEqualTo(2);
      assertThat(
              Sh.exec("ip", "netns", "exec", a, "ping", "-c", "2", "-i", "0.2", "-W", "2", ipB)
                  .exitCode())
          .isZero();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(ns + "/gone").isEmpty());
      assertThat(agent.dataPlane().network(ns + "/green")).isPresent();
      assertThat(Files.exists(dir.resolve("state/networks/" + ns + ",gone.json"))).isFalse();
    }
  }
}
