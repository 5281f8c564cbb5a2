package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.ready;
import static io.kubevde.operator.testing.Fixtures.readyReason;
import static io.kubevde.operator.testing.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.testing.Fixtures;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.testing.KubeApi;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Node lifecycle against a real kube-apiserver: agent liveness from the heartbeat Lease, VdeNodes
 * of deleted Nodes, address blocks kept while a node that left the selector still has attachments,
 * and foreign NADs.
 */
class NodeLifecycleOperatorTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static KubernetesClient client;
  private static String opNs;
  private static RunningOperator op;
  private String ns;

  @BeforeAll
  static void startOperator() {
    client = KubeApi.withKubevdeCrds().client();
    KubeApi.applyCrd(client, "/multus-nad-crd.yaml");
    opNs = KubeApi.newNamespace(client, "kubevde-system");
    OperatorConfig cfg =
        new OperatorConfig(
            opNs,
            io.kubevde.operator.model.AllocationPolicy.defaults(),
            Duration.ofSeconds(30),
            false,
            "kubevde-operator",
            0);
    op = new RunningOperator(cfg);
  }

  @AfterAll
  static void stopOperator() {
    if (op != null) op.close();
    if (client != null) client.close();
  }

  @BeforeEach
  void namespace() {
    ns = KubeApi.newNamespace(client, "life");
  }

  private VdeNetwork get(String name) {
    return client.resources(VdeNetwork.class).inNamespace(ns).withName(name).get();
  }

  private Node node(String name, Map<String, String> labels) {
    return client.nodes().resource(Fixtures.node(name, labels)).create();
  }

  /** Writes a VdeNode as an agent does: owned by its Node when {@code owner} is given. */
  private void report(
      String node, Node owner, String net, boolean ready, int attachments, Instant heartbeat) {
    VdeNode v = Fixtures.vdeNode(node, "10.0.0.1", ns, net, ready, attachments, heartbeat);
    if (owner != null) {
      v.getMetadata()
          .setOwnerReferences(
              List.of(
                  new OwnerReferenceBuilder()
                      .withApiVersion("v1")
                      .withKind("Node")
                      .withName(owner.getMetadata().getName())
                      .withUid(owner.getMetadata().getUid())
                      .build()));
    }
    VdeNode existing = client.resources(VdeNode.class).withName(node).get();
    if (existing == null) existing = client.resources(VdeNode.class).resource(v).create();
    existing.setStatus(v.getStatus());
    client.resources(VdeNode.class).resource(existing).updateStatus();
  }

  private void renewLease(String node, Instant renewTime) {
    String name = "kubevde-node-" + node;
    Lease cur = client.leases().inNamespace(opNs).withName(name).get();
    ZonedDateTime t = renewTime.atZone(ZoneOffset.UTC);
    if (cur == null) {
      client
          .leases()
          .inNamespace(opNs)
          .resource(
              new LeaseBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .addToLabels("app.kubernetes.io/managed-by", "kubevde-agent")
                  .endMetadata()
                  .withNewSpec()
                  .withHolderIdentity(node)
                  .withLeaseDurationSeconds(40)
                  .withRenewTime(t)
                  .endSpec()
                  .build())
          .create();
    } else {
      cur.getSpec().setRenewTime(t);
      client.leases().inNamespace(opNs).resource(cur).update();
    }
  }

  private static Optional<String> blockOf(VdeNetwork n, String node) {
    return n.getStatus() == null || n.getStatus().nodeRanges() == null
        ? Optional.empty()
        : n.getStatus().nodeRanges().stream()
            .filter(r -> r.node().equals(node))
            .map(NodeRange::cidr)
            .findFirst();
  }

  @Test
  void agentLivenessComesFromItsLeaseNotFromVdeNodeWrites() {
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "live", spec(null, null, null)))
        .create();
    await().atMost(WAIT).until(() -> ready(get("live")));
    String n1 = ns + "-a1";
    // a report written 10 minutes ago and never again: without a Lease the agent counts as silent
    report(n1, null, "live", true, 0, Instant.now().minusSeconds(600));
    await().atMost(WAIT).until(() -> "NodesNotReady".equals(degradedReason(get("live"))));
    // its Lease is renewed: the same unchanged report counts as ready
    renewLease(n1, Instant.now());
    await()
        .atMost(WAIT)
        .until(
            () ->
                "AsExpected".equals(degradedReason(get("live")))
                    && Integer.valueOf(1).equals(get("live").getStatus().nodesReady()));
    client.resources(VdeNode.class).withName(n1).delete();
    client.leases().inNamespace(opNs).withName("kubevde-node-" + n1).delete();
  }

  private static String degradedReason(VdeNetwork n) {
    return n == null || n.getStatus() == null
        ? ""
        : Conditions.find(n.getStatus().conditions(), Conditions.DEGRADED)
            .map(c -> c.getReason())
            .orElse("");
  }

  @Test
  void aNodeLeavingTheSelectorKeepsItsBlockUntilItsAttachmentsAreGone() {
    Map<String, String> sel = Map.of("kubevde.io/test-life", ns);
    Node w1 = node(ns + "-w1", sel);
    Node w2 = node(ns + "-w2", sel);
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(
            VdeNetwork.of(
                ns, "keep", Fixtures.withSelector(spec(null, null, "10.207.0.0/16"), sel)))
        .create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                ready(get("keep"))
                    && blockOf(get("keep"), w1.getMetadata().getName()).isPresent()
                    && blockOf(get("keep"), w2.getMetadata().getName()).isPresent());
    String block2 = blockOf(get("keep"), w2.getMetadata().getName()).orElseThrow();
    report(w2.getMetadata().getName(), w2, "keep", true, 2, Instant.now());
    await()
        .atMost(WAIT)
        .until(() -> Integer.valueOf(2).equals(get("keep").getStatus().attachments()));

    // w2 leaves the selector while 2 pods on it still use the network: its block stays (status and
    // agent config)
    client
        .nodes()
        .withName(w2.getMetadata().getName())
        .edit(
            n -> {
              n.getMetadata().setLabels(Map.of());
              return n;
            });
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(blockOf(get("keep"), w2.getMetadata().getName())).contains(block2));
    assertThat(
            client
                .configMaps()
                .inNamespace(opNs)
                .withName(Names.configMap(ns, "keep"))
                .get()
                .getData()
                .get(Names.CONFIG_KEY))
        .contains(block2);

    // the pods are gone: the block is freed
    report(w2.getMetadata().getName(), w2, "keep", true, 0, Instant.now());
    await().atMost(WAIT).until(() -> blockOf(get("keep"), w2.getMetadata().getName()).isEmpty());

    // w1 is deleted while its agent still reports attachments: the block goes with the Node
    report(w1.getMetadata().getName(), w1, "keep", true, 1, Instant.now());
    await()
        .atMost(WAIT)
        .until(() -> Integer.valueOf(1).equals(get("keep").getStatus().attachments()));
    client.nodes().withName(w1.getMetadata().getName()).delete();
    await().atMost(WAIT).until(() -> blockOf(get("keep"), w1.getMetadata().getName()).isEmpty());
    assertThat(get("keep").getStatus().attachments())
        .as("a gone node's report no longer counts")
        .isZero();

    client.nodes().withName(w2.getMetadata().getName()).delete();
    client.resources(VdeNode.class).withName(w1.getMetadata().getName()).delete();
    client.resources(VdeNode.class).withName(w2.getMetadata().getName()).delete();
  }

  @Test
  void theVdeNodeOfADeletedNodeNoLongerBlocksNetworkDeletion() {
    Node gone = node(ns + "-gone", Map.of());
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "stuck", spec(null, null, null)))
        .create();
    await().atMost(WAIT).until(() -> ready(get("stuck")));
    report(gone.getMetadata().getName(), gone, "stuck", true, 2, Instant.now());
    await()
        .atMost(WAIT)
        .until(() -> Integer.valueOf(2).equals(get("stuck").getStatus().attachments()));
    client.resources(VdeNetwork.class).inNamespace(ns).withName("stuck").delete();
    await().atMost(WAIT).until(() -> "DeletionBlocked".equals(readyReason(get("stuck"))));
    // the Node goes (kube-api-test runs no garbage collector, so its VdeNode stays: the operator
    // ignores it)
    client.nodes().withName(gone.getMetadata().getName()).delete();
    await().atMost(WAIT).until(() -> get("stuck") == null);
    assertThat(client.resources(VdeNode.class).withName(gone.getMetadata().getName()).get())
        .isNotNull();
    client.resources(VdeNode.class).withName(gone.getMetadata().getName()).delete();
  }

  private VdeNetwork unicast(String name, Integer port) {
    VdeNetworkSpec s =
        new VdeNetworkSpec(
            Transport.VXVDE_UNICAST, null, null, port, null, null, null, null, null, null);
    return client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, name, s))
        .create();
  }

  @Test
  void unicastNetworksGetDistinctPortsAndATakenExplicitPortIsAConflict() throws Exception {
    unicast("u1", null);
    unicast("u2", null);
    await().atMost(WAIT).until(() -> ready(get("u1")) && ready(get("u2")));
    int p1 = get("u1").getStatus().port();
    int p2 = get("u2").getStatus().port();
    assertThat(p1).isNotEqualTo(p2);
    assertThat(List.of(p1, p2)).allSatisfy(p -> assertThat(p).isBetween(14789, 65535));
    // the agents get that port in their uplink
    String cfg =
        client
            .configMaps()
            .inNamespace(opNs)
            .withName(Names.configMap(ns, "u2"))
            .get()
            .getData()
            .get(Names.CONFIG_KEY);
    assertThat(new ObjectMapper().readTree(cfg).get("port").asInt()).isEqualTo(p2);
    // a newer network asking for u1's port explicitly is refused, naming u1
    Instant created = Instant.parse(get("u2").getMetadata().getCreationTimestamp());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Instant.now().isAfter(created.plusSeconds(1)));
    unicast("u3", p1);
    await().atMost(WAIT).until(() -> "PortConflict".equals(readyReason(get("u3"))));
    assertThat(
            Conditions.find(get("u3").getStatus().conditions(), Conditions.READY)
                .orElseThrow()
                .getMessage())
        .contains("port " + p1)
        .contains(ns + "/u1");
    assertThat(get("u1").getStatus().port()).as("the older network keeps its port").isEqualTo(p1);
  }

  private VdeNetwork vxlan(String name, Integer port, Integer ttl) {
    VdeNetworkSpec s =
        new VdeNetworkSpec(
            Transport.VXLAN, null, null, port, null, null, null, null, null, null, null, null, ttl);
    return client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, name, s))
        .create();
  }

  @Test
  void vxlanNetworkGetsAGroupAndPort4789WithItsTtlAndASecondOnThatPortIsAConflict()
      throws Exception {
    vxlan("x1", null, 8);
    await().atMost(WAIT).until(() -> ready(get("x1")));
    VdeNetwork x1 = get("x1");
    assertThat(x1.getStatus().group()).as("allocated multicast group").isNotNull();
    String cfg =
        client
            .configMaps()
            .inNamespace(opNs)
            .withName(Names.configMap(ns, "x1"))
            .get()
            .getData()
            .get(Names.CONFIG_KEY);
    var json = new ObjectMapper().readTree(cfg);
    assertThat(json.get("transport").asText()).isEqualTo("vxlan");
    assertThat(json.get("port").asInt()).isEqualTo(4789);
    assertThat(json.get("ttl").asInt()).isEqualTo(8);
    assertThat(json.get("uplink").asText())
        .isEqualTo(
            "vxlan://"
                + x1.getStatus().group()
                + "/port=4789/vni="
                + x1.getStatus().vni()
                + "/ttl=8");
    Instant created = Instant.parse(x1.getMetadata().getCreationTimestamp());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Instant.now().isAfter(created.plusSeconds(1)));
    vxlan("x2", null, null);
    vxlan("x3", 4790, null);
    await().atMost(WAIT).until(() -> "PortConflict".equals(readyReason(get("x2"))));
    assertThat(
            Conditions.find(get("x2").getStatus().conditions(), Conditions.READY)
                .orElseThrow()
                .getMessage())
        .contains("port 4789")
        .contains("vxlan network " + ns + "/x1");
    await().atMost(WAIT).until(() -> ready(get("x3")));
    assertThat(ready(get("x1"))).as("the older network stays Ready").isTrue();
  }

  @Test
  void aNetworkThatCannotRunOnANodeIsNotReadyWithTheAgentsReason() {
    unicast("fails", null);
    await().atMost(WAIT).until(() -> ready(get("fails")));
    String n1 = ns + "-f1";
    VdeNode v = Fixtures.vdeNode(n1, "10.0.0.1", ns, "fails", false, 0, Instant.now());
    v.setStatus(
        new VdeNodeStatus(
            List.of(
                new NodeNetwork(
                    ns,
                    "fails",
                    false,
                    0,
                    0,
                    "cannot listen on port 14789 (unicast mode): Address already in use")),
            0,
            null,
            null,
            0,
            Instant.now().toString()));
    VdeNode created = client.resources(VdeNode.class).resource(v).create();
    created.setStatus(v.getStatus());
    client.resources(VdeNode.class).resource(created).updateStatus();
    await().atMost(WAIT).until(() -> "UplinkFailed".equals(readyReason(get("fails"))));
    assertThat(
            Conditions.find(get("fails").getStatus().conditions(), Conditions.READY)
                .orElseThrow()
                .getMessage())
        .contains(n1 + ": cannot listen on port 14789");
    // the agent recovers: Ready again
    report(n1, null, "fails", true, 0, Instant.now());
    await().atMost(WAIT).until(() -> ready(get("fails")));
    client.resources(VdeNode.class).withName(n1).delete();
  }

  private GenericKubernetesResource nad(String name) {
    return client
        .genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
        .inNamespace(ns)
        .withName(name)
        .get();
  }

  @Test
  void aForeignNadIsReportedAndNeverOverwrittenOrDeleted() {
    String foreignConfig =
        "{\"cniVersion\":\"1.0.0\",\"name\":\"taken\",\"type\":\"macvlan\",\"master\":\"eth0\"}";
    client
        .genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
        .inNamespace(ns)
        .resource(
            new GenericKubernetesResourceBuilder()
                .withApiVersion("k8s.cni.cncf.io/v1")
                .withKind("NetworkAttachmentDefinition")
                .withNewMetadata()
                .withName("taken")
                .withNamespace(ns)
                .endMetadata()
                .addToAdditionalProperties("spec", Map.of("config", foreignConfig))
                .build())
        .create();
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "taken", spec(null, null, null)))
        .create();
    await().atMost(WAIT).until(() -> "NadConflict".equals(readyReason(get("taken"))));
    var ready =
        Conditions.find(get("taken").getStatus().conditions(), Conditions.READY).orElseThrow();
    assertThat(ready.getStatus()).isEqualTo("False");
    assertThat(ready.getMessage()).contains("NetworkAttachmentDefinition " + ns + "/taken");
    // stays untouched over several reconciles; the agents still get the network
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(nad("taken").getAdditionalProperties().get("spec"))
                  .isEqualTo(Map.of("config", foreignConfig));
              assertThat(nad("taken").getMetadata().getOwnerReferences()).isEmpty();
            });
    assertThat(client.configMaps().inNamespace(opNs).withName(Names.configMap(ns, "taken")).get())
        .isNotNull();
    assertThat(get("taken").getStatus().networkAttachmentDefinition()).isNull();

    // deleting the network leaves the foreign NAD
    client.resources(VdeNetwork.class).inNamespace(ns).withName("taken").delete();
    await().atMost(WAIT).until(() -> get("taken") == null);
    assertThat(nad("taken")).isNotNull();
    assertThat(nad("taken").getAdditionalProperties().get("spec"))
        .isEqualTo(Map.of("config", foreignConfig));

    // once the foreign NAD is gone, a network of that name publishes its own
    client
        .genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
        .inNamespace(ns)
        .withName("taken")
        .delete();
    await().atMost(WAIT).until(() -> nad("taken") == null);
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "taken", spec(null, null, null)))
        .create();
    await().atMost(WAIT).until(() -> ready(get("taken")) && nad("taken") != null);
    assertThat(nad("taken").getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(get("taken").getMetadata().getUid()));
  }
}
