package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.ready;
import static io.kubevde.operator.testing.Fixtures.readyReason;
import static io.kubevde.operator.testing.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.net.Cidr;
import io.kubevde.api.v1alpha1.Ipam;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.testing.Fixtures;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.testing.KubeApi;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator running against a real kube-apiserver + etcd: what users see in status, ConfigMaps,
 * NADs, the agent DaemonSet and Events. Every test uses its own namespace and its own subnets
 * (allocation is cluster-wide).
 */
class VdeNetworkOperatorTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static KubernetesClient client;
  private static String opNs;
  private static OperatorConfig cfg;
  private static RunningOperator op;
  private String ns;

  @BeforeAll
  static void startOperator() {
    client = KubeApi.withKubevdeCrds().client();
    KubeApi.applyCrd(client, "/multus-nad-crd.yaml");
    opNs = KubeApi.newNamespace(client, "kubevde-system");
    cfg =
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
    ns = KubeApi.newNamespace(client, "net");
  }

  private VdeNetwork create(String name, VdeNetworkSpec spec) {
    return client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, name, spec))
        .create();
  }

  private VdeNetwork get(String name) {
    return client.resources(VdeNetwork.class).inNamespace(ns).withName(name).get();
  }

  private VdeNetwork awaitReady(String name) {
    await().atMost(WAIT).until(() -> ready(get(name)));
    return get(name);
  }

  private VdeNetwork awaitReason(String name, String reason) {
    await().atMost(WAIT).until(() -> reason.equals(readyReason(get(name))));
    return get(name);
  }

  private ConfigMap agentConfig(String name) {
    return client.configMaps().inNamespace(opNs).withName(Names.configMap(ns, name)).get();
  }

  private JsonNode agentJson(String name) throws Exception {
    return JSON.readTree(agentConfig(name).getData().get(Names.CONFIG_KEY));
  }

  /**
   * Waits until a network created now gets a later creationTimestamp than {@code older} (the
   * timestamp has 1 s resolution), so "older network" is unambiguous.
   */
  private static void awaitCreationSecondAfter(VdeNetwork older) {
    Instant created = Instant.parse(older.getMetadata().getCreationTimestamp());
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> Instant.now().isAfter(created.plusSeconds(1)));
  }

  @Test
  void fiftyNetworksCreatedConcurrentlyGetUniqueVnisAndGroups() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<VdeNetwork>> fs = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String name = "n" + i;
        fs.add(pool.submit(() -> create(name, spec(null, null, null))));
      }
      for (Future<VdeNetwork> f : fs) f.get();
    } finally {
      pool.shutdownNow();
    }
    await()
        .atMost(Duration.ofSeconds(180))
        .until(
            () ->
                client.resources(VdeNetwork.class).inNamespace(ns).list().getItems().stream()
                        .filter(Fixtures::ready)
                        .count()
                    == 50);
    List<VdeNetwork> all =
        client.resources(VdeNetwork.class).inAnyNamespace().list().getItems().stream()
            .filter(Fixtures::ready)
            .toList();
    List<VdeNetwork> mine =
        all.stream().filter(n -> ns.equals(n.getMetadata().getNamespace())).toList();
    assertThat(mine).hasSize(50);
    assertThat(mine)
        .allSatisfy(
            n -> {
              assertThat(n.getStatus().vni()).isBetween(4096, 16_777_215);
              assertThat(
                      Cidr.parseNetwork("239.77.0.0/16")
                          .contains(Cidr.Ip.parse(n.getStatus().group())))
                  .isTrue();
            });
    // unique across the whole cluster, not only among the 50
    assertThat(all.stream().map(n -> n.getStatus().vni()).filter(v -> v != null).toList())
        .doesNotHaveDuplicates();
    assertThat(all.stream().map(n -> n.getStatus().group()).filter(g -> g != null).toList())
        .doesNotHaveDuplicates();
    // and each agent ConfigMap carries the same values as the status
    for (VdeNetwork n : mine) {
      JsonNode j = agentJson(n.getMetadata().getName());
      assertThat(j.get("vni").asInt()).isEqualTo(n.getStatus().vni());
      assertThat(j.get("group").asText()).isEqualTo(n.getStatus().group());
    }
  }

  @Test
  void userValuesAreHonouredAndDuplicatesBecomeConditions() throws Exception {
    VdeNetwork a = create("a", spec(777, "239.200.0.1", null));
    a = awaitReady("a");
    assertThat(a.getStatus().vni()).isEqualTo(777);
    assertThat(a.getStatus().group()).isEqualTo("239.200.0.1");
    awaitCreationSecondAfter(a);

    create("dup-vni", spec(777, null, null));
    VdeNetwork b = awaitReason("dup-vni", "VniConflict");
    var cond = Conditions.find(b.getStatus().conditions(), Conditions.READY).orElseThrow();
    assertThat(cond.getStatus()).isEqualTo("False");
    assertThat(cond.getMessage()).contains("VNI 777").contains(ns + "/a");
    assertThat(cond.getObservedGeneration()).isEqualTo(b.getMetadata().getGeneration());
    assertThat(agentConfig("dup-vni"))
        .as("a network in conflict is not given to the agents")
        .isNull();

    create("dup-group", spec(null, "239.200.0.1", null));
    VdeNetwork c = awaitReason("dup-group", "GroupConflict");
    assertThat(Conditions.find(c.getStatus().conditions(), Conditions.READY).get().getMessage())
        .contains("239.200.0.1")
        .contains(ns + "/a");

    // the older network is untouched
    assertThat(ready(get("a"))).isTrue();
    assertThat(get("a").getStatus().vni()).isEqualTo(777);

    // fixing the spec clears the condition (new generation)
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .withName("dup-vni")
        .edit(
            n -> {
              n.setSpec(spec(778, null, null));
              return n;
            });
    VdeNetwork fixed = awaitReady("dup-vni");
    assertThat(fixed.getStatus().vni()).isEqualTo(778);
    assertThat(agentConfig("dup-vni")).isNotNull();

    // the conflicts were reported as Warning events
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(events())
                    .anySatisfy(
                        e -> {
                          assertThat(e.getType()).isEqualTo("Warning");
                          assertThat(e.getReason()).isEqualTo("VniConflict");
                          assertThat(e.getInvolvedObject().getName()).isEqualTo("dup-vni");
                        }));
  }

  private List<Event> events() {
    return client.v1().events().inNamespace(ns).list().getItems();
  }

  @Test
  void overlappingSubnetsAndInvalidIpamBecomeConditions() throws Exception {
    create("first", spec(null, null, "10.201.0.0/16"));
    awaitCreationSecondAfter(awaitReady("first"));
    create("overlap", spec(null, null, "10.201.128.0/17"));
    VdeNetwork o = awaitReason("overlap", "SubnetOverlap");
    assertThat(Conditions.find(o.getStatus().conditions(), Conditions.READY).get().getMessage())
        .contains("10.201.0.0/16")
        .contains(ns + "/first");
    create("disjoint", spec(null, null, "10.202.0.0/16"));
    awaitReady("disjoint");

    create(
        "bad-range",
        new VdeNetworkSpec(
            null,
            null,
            null,
            null,
            null,
            null,
            new Ipam(null, "10.203.0.0/16", "10.204.0.1", null, null, null, null),
            null,
            null,
            null));
    VdeNetwork bad = awaitReason("bad-range", "InvalidIpam");
    assertThat(Conditions.find(bad.getStatus().conditions(), Conditions.READY).get().getMessage())
        .contains("rangeStart")
        .contains("outside the subnet");
  }

  @Test
  void subnetIsSplitIntoStablePerNodeBlocks() throws Exception {
    Map<String, String> sel = Map.of("kubevde.io/test-pool", ns);
    for (int i = 1; i <= 3; i++)
      client.nodes().resource(Fixtures.node(ns + "-w" + i, sel)).create();
    create("blocks", Fixtures.withSelector(spec(null, null, "10.205.0.0/16"), sel));
    await()
        .atMost(WAIT)
        .until(
            () ->
                ready(get("blocks"))
                    && get("blocks").getStatus().nodeRanges() != null
                    && get("blocks").getStatus().nodeRanges().size() == 3);
    List<NodeRange> first = get("blocks").getStatus().nodeRanges();
    Cidr subnet = Cidr.parseNetwork("10.205.0.0/16");
    assertThat(first)
        .allSatisfy(
            r -> {
              Cidr b = Cidr.parseNetwork(r.cidr());
              assertThat(b.prefix()).isEqualTo(20);
              assertThat(subnet.contains(new Cidr.Ip(b.network(), 32))).isTrue();
              assertThat(b.contains(Cidr.Ip.parse(r.rangeStart()))).isTrue();
              assertThat(b.contains(Cidr.Ip.parse(r.rangeEnd()))).isTrue();
            });
    for (int i = 0; i < first.size(); i++) {
      for (int j = i + 1; j < first.size(); j++) {
        assertThat(
                Cidr.parseNetwork(first.get(i).cidr())
                    .overlaps(Cidr.parseNetwork(first.get(j).cidr())))
            .isFalse();
      }
    }
    // the agents see their node's block
    JsonNode j = agentJson("blocks");
    assertThat(j.get("nodeRanges").get(ns + "-w2").get("cidr").asText())
        .isEqualTo(
            first.stream().filter(r -> r.node().equals(ns + "-w2")).findFirst().get().cidr());
    assertThat(j.get("status")).isNull();

    // a fourth node gets a new block; the others keep theirs
    client.nodes().resource(Fixtures.node(ns + "-w4", sel)).create();
    await().atMost(WAIT).until(() -> get("blocks").getStatus().nodeRanges().size() == 4);
    List<NodeRange> after = get("blocks").getStatus().nodeRanges();
    assertThat(after).containsAll(first);
    for (int i = 1; i <= 4; i++) client.nodes().withName(ns + "-w" + i).delete();
  }

  @Test
  void nodeReportsAreAggregatedIntoStatus() {
    create("agg", spec(null, null, null));
    awaitReady("agg");
    String n1 = ns + "-r1";
    String n2 = ns + "-r2";
    putVdeNode(Fixtures.vdeNode(n1, "10.0.0.1", ns, "agg", true, 2, Instant.now()));
    putVdeNode(Fixtures.vdeNode(n2, "10.0.0.2", ns, "agg", false, 1, Instant.now()));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              VdeNetwork n = get("agg");
              assertThat(n.getStatus().attachments()).isEqualTo(3);
              assertThat(n.getStatus().nodesReady()).isEqualTo(1);
              assertThat(n.getStatus().nodes()).endsWith("/" + n.getStatus().nodesTotal());
              var d =
                  Conditions.find(n.getStatus().conditions(), Conditions.DEGRADED).orElseThrow();
              assertThat(d.getStatus()).isEqualTo("True");
              assertThat(d.getReason()).isEqualTo("NodesNotReady");
            });
    putVdeNode(Fixtures.vdeNode(n2, "10.0.0.2", ns, "agg", true, 1, Instant.now()));
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              VdeNetwork n = get("agg");
              assertThat(n.getStatus().nodesReady()).isEqualTo(2);
              assertThat(Conditions.isTrue(n.getStatus().conditions(), Conditions.DEGRADED))
                  .isFalse();
            });
    client.resources(VdeNode.class).withName(n1).delete();
    client.resources(VdeNode.class).withName(n2).delete();
  }

  private void putVdeNode(VdeNode v) {
    VdeNode existing = client.resources(VdeNode.class).withName(v.getMetadata().getName()).get();
    if (existing == null) {
      var status = v.getStatus();
      existing = client.resources(VdeNode.class).resource(v).create();
      existing.setStatus(status);
    } else {
      existing.setStatus(v.getStatus());
    }
    client.resources(VdeNode.class).resource(existing).updateStatus();
  }

  @Test
  void deletionWithoutAttachmentsRemovesEverything() {
    create("gone", spec(null, null, null));
    awaitReady("gone");
    assertThat(get("gone").getMetadata().getFinalizers()).contains(Names.FINALIZER);
    assertThat(agentConfig("gone")).isNotNull();
    assertThat(nad("gone")).isNotNull();
    client.resources(VdeNetwork.class).inNamespace(ns).withName("gone").delete();
    await().atMost(WAIT).until(() -> get("gone") == null);
    assertThat(agentConfig("gone")).isNull();
    assertThat(nad("gone")).isNull();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () ->
                assertThat(events())
                    .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("Deleted")));
  }

  @Test
  void deletionWithLiveAttachmentsWaitsUntilTheyAreGone() throws Exception {
    create("busy", spec(null, null, null));
    awaitReady("busy");
    String node = ns + "-busy";
    putVdeNode(Fixtures.vdeNode(node, "10.0.0.9", ns, "busy", true, 2, Instant.now()));
    await()
        .atMost(WAIT)
        .until(() -> Integer.valueOf(2).equals(get("busy").getStatus().attachments()));
    client.resources(VdeNetwork.class).inNamespace(ns).withName("busy").delete();
    VdeNetwork blocked = awaitReason("busy", "DeletionBlocked");
    assertThat(
            Conditions.find(blocked.getStatus().conditions(), Conditions.READY).get().getMessage())
        .contains("2 pod attachment(s)")
        .contains(node);
    // a state that must hold (not one to wait for): it stays for 3 s of reconciles, checked every
    // 100 ms
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(get("busy")).as("still there while pods use it").isNotNull();
              assertThat(agentConfig("busy"))
                  .as("agents keep serving the attached pods")
                  .isNotNull();
            });
    // the pods go away: the agent reports 0 attachments
    putVdeNode(Fixtures.vdeNode(node, "10.0.0.9", ns, "busy", true, 0, Instant.now()));
    await().atMost(WAIT).until(() -> get("busy") == null);
    assertThat(agentConfig("busy")).isNull();
    client.resources(VdeNode.class).withName(node).delete();
  }

  private GenericKubernetesResource nad(String name) {
    return client
        .genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
        .inNamespace(ns)
        .withName(name)
        .get();
  }

  @Test
  void generatedNadIsWhatMultusExpectsAndNoDaemonSetIsWritten() throws Exception {
    create(
        "blue",
        new VdeNetworkSpec(
            null,
            null,
            null,
            null,
            1400,
            null,
            new Ipam(null, "10.206.0.0/24", null, null, "10.206.0.1", null, null),
            null,
            null,
            null));
    VdeNetwork blue = awaitReady("blue");

    GenericKubernetesResource nad = nad("blue");
    assertThat(nad).isNotNull();
    assertThat(blue.getStatus().networkAttachmentDefinition()).isEqualTo("blue");
    assertThat(nad.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("VdeNetwork");
              assertThat(o.getUid()).isEqualTo(blue.getMetadata().getUid());
            });
    @SuppressWarnings("unchecked")
    String config =
        (String) ((Map<String, Object>) nad.getAdditionalProperties().get("spec")).get("config");
    JsonNode c = JSON.readTree(config);
    assertThat(c.get("type").asText()).isEqualTo("kubevde");
    assertThat(c.get("network").asText()).isEqualTo(ns + "/blue");
    assertThat(c.get("cniVersion").asText()).isEqualTo("1.1.0");
    assertThat(c.get("name").asText()).isEqualTo("blue");
    assertThat(c.get("mtu").asInt()).isEqualTo(1400);

    // the agent's configuration: an uplink VNL the data plane's parser accepts with the allocated
    // values
    JsonNode a = agentJson("blue");
    Vnl uplink = Vnl.parse(a.get("uplink").asText());
    assertThat(uplink.scheme()).isEqualTo("vxvde");
    VnlOptions o = VnlOptions.slash(uplink.text(), uplink.argument(), List.of("port", "vni"));
    assertThat(o.address()).isEqualTo(blue.getStatus().group());
    assertThat(o.intValue("vni", 1, 1, 16_777_215)).isEqualTo(blue.getStatus().vni());
    assertThat(o.intValue("port", 0, 1, 65535)).isEqualTo(14789);
    assertThat(a.get("mtu").asInt()).isEqualTo(1400);
    assertThat(a.get("gateway").asText()).isEqualTo("10.206.0.1");
    assertThat(blue.getStatus().configMap()).isEqualTo(opNs + "/" + Names.configMap(ns, "blue"));

    // the agent DaemonSet is the chart's (charts/kubevde), never the operator's
    assertThat(client.apps().daemonSets().inNamespace(opNs).list().getItems()).isEmpty();
  }

  @Test
  void healthAndMetricsEndpointsAnswer() throws Exception {
    create("m", spec(null, null, null));
    awaitReady("m");
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + op.operator().httpPort();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/readyz")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(
            http.send(
                    HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode())
        .isEqualTo(200);
    String metrics =
        http.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(metrics)
        .contains("kubevde_operator_allocations_total")
        .contains("operator_sdk_")
        .contains("jvm_memory_used_bytes")
        .contains("process_cpu_usage")
        .contains("process_files_open_files");
  }

  @Test
  void operatorRestartChangesNoAllocation() throws Exception {
    for (int i = 0; i < 5; i++) {
      create(
          "keep" + i, Fixtures.withSelector(spec(null, null, "10.21" + i + ".0.0/16"), Map.of()));
    }
    for (int i = 0; i < 5; i++) awaitReady("keep" + i);
    Map<String, String> before = snapshot();

    op.close();
    op = new RunningOperator(cfg);

    // a new network and an edited one are reconciled by the new process
    create("after-restart", spec(null, null, null));
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .withName("keep0")
        .edit(
            n -> {
              n.setSpec(
                  new VdeNetworkSpec(
                      null, null, null, null, 1300, null, n.getSpec().ipam(), null, null, null));
              return n;
            });
    awaitReady("after-restart");
    await()
        .atMost(WAIT)
        .until(
            () ->
                ready(get("keep0"))
                    && Integer.valueOf(1300).equals(get("keep0").getStatus().mtu()));
    Map<String, String> after = snapshot();
    after.keySet().retainAll(before.keySet());
    assertThat(after).isEqualTo(before);
    VdeNetwork fresh = get("after-restart");
    Set<Integer> oldVnis = new HashSet<>();
    client.resources(VdeNetwork.class).inAnyNamespace().list().getItems().stream()
        .filter(
            n ->
                n != fresh
                    && n.getStatus() != null
                    && !n.getMetadata().getUid().equals(fresh.getMetadata().getUid()))
        .forEach(n -> oldVnis.add(n.getStatus().vni()));
    assertThat(oldVnis).doesNotContain(fresh.getStatus().vni());
  }

  /** Every network's allocation (vni, group, node blocks) in the cluster, by namespace/name. */
  private Map<String, String> snapshot() {
    Map<String, String> m = new HashMap<>();
    for (VdeNetwork n : client.resources(VdeNetwork.class).inAnyNamespace().list().getItems()) {
      if (n.getStatus() == null || n.getMetadata().getDeletionTimestamp() != null) continue;
      m.put(
          n.getMetadata().getNamespace() + "/" + n.getMetadata().getName(),
          n.getStatus().vni() + " " + n.getStatus().group() + " " + n.getStatus().nodeRanges());
    }
    return m;
  }
}
