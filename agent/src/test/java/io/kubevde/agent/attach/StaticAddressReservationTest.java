package io.kubevde.agent.attach;

import static io.kubevde.testing.Netns.path;
import static io.kubevde.testing.Sh.exec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.kube.KubeAddressReservations;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.api.v1alpha1.VdeAddressReservation;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Host;
import io.kubevde.testing.KubeApi;
import io.kubevde.testing.Netns;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Static addresses unique across the cluster (root, real netns and taps, two agents = two nodes, a
 * real kube-apiserver holding the {@link VdeAddressReservation}s; requests through the CNI binary's
 * client): a second node's ADD for an address a pod of the first node holds answers 7 naming that
 * pod and node and leaves nothing behind; DEL frees it and the second node's retried ADD gets it; a
 * reservation left without attachment record (crash) and one whose pod was deleted from the API are
 * freed by the agent's reconcile.
 */
class StaticAddressReservationTest {
  private static final String IPAM = "{\"subnet\":\"10.77.71.0/24\",\"gateway\":\"10.77.71.1\"}";

  private KubernetesClient client;
  private String ns;
  private final String nodeA = "static-a-" + UUID.randomUUID().toString().substring(0, 6);
  private final String nodeB = "static-b-" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void setUp() {
    Host.requireRoot();
    client = KubeApi.withKubevdeCrds().client();
    ns = KubeApi.newNamespace(client, "static");
  }

  @AfterEach
  void tearDown() {
    if (client != null) client.close();
  }

  private Pod pod(String name) {
    return client
        .pods()
        .inNamespace(ns)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("c")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  private String config(String ip) {
    return "{\"cniVersion\":\"1.1.0\",\"name\":\"blue\",\"type\":\"kubevde\",\"network\":\""
        + ns
        + "/blue\",\"ipam\":"
        + IPAM
        + (ip == null ? "" : ",\"runtimeConfig\":{\"ips\":[\"" + ip + "\"]}")
        + "}";
  }

  private static CniPlugin.Outcome call(
      AgentFixture a, String cmd, String cid, String netns, Pod p, String conf) {
    return a.callWithArgs(
        cmd,
        cid,
        netns,
        "net1",
        conf,
        "/opt/cni/bin",
        "IgnoreUnknown=1;K8S_POD_NAMESPACE="
            + p.getMetadata().getNamespace()
            + ";K8S_POD_NAME="
            + p.getMetadata().getName()
            + ";K8S_POD_UID="
            + p.getMetadata().getUid());
  }

  private static Map<String, Object> ok(CniPlugin.Outcome o) {
    assertThat(o.exitCode()).as("exit code; stdout=%s stderr=%s", o.stdout(), o.stderr()).isZero();
    return o.stdout().isEmpty() ? Map.of() : Json.parseObject(o.stdout());
  }

  private List<VdeAddressReservation> reservations() {
    return client.resources(VdeAddressReservation.class).inNamespace(ns).list().getItems();
  }

  @Test
  void aStaticAddressIsUniqueAcrossNodesAndFreedByDelAndByTheReconcile() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture();
        AgentFixture b = new AgentFixture()) {
      a.handler.reservations(new KubeAddressReservations(client, nodeA));
      b.handler.reservations(new KubeAddressReservations(client, nodeB));
      Pod p1 = pod("p1");
      Pod p2 = pod("p2");
      String ns1 = nets.create();
      String ns2 = nets.create();
      String want = config("10.77.71.50/24");

      ok(call(a, "ADD", "c1", path(ns1), p1, want));
      assertThat(exec("ip", "-n", ns1, "-o", "addr", "show", "dev", "net1").output())
          .contains("10.77.71.50/24");
      assertThat(reservations())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.getMetadata().getName()).isEqualTo("blue.10.77.71.50");
                assertThat(r.getSpec().node()).isEqualTo(nodeA);
                assertThat(r.getSpec().podName()).isEqualTo("p1");
                assertThat(r.getMetadata().getOwnerReferences())
                    .singleElement()
                    .satisfies(o -> assertThat(o.getUid()).isEqualTo(p1.getMetadata().getUid()));
              });

      // the other node: refused with 7 naming the holder, nothing left behind
      CniPlugin.Outcome refused = call(b, "ADD", "c2", path(ns2), p2, want);
      assertThat(refused.exitCode()).isEqualTo(1);
      Map<String, Object> e = Json.parseObject(refused.stdout());
      assertThat(e.get("code")).isEqualTo((long) CniError.INVALID_CONFIG);
      assertThat(String.valueOf(e.get("msg")))
          .contains("10.77.71.50")
          .contains("reserved by pod " + ns + "/p1 on node " + nodeA);
      assertThat(b.store.list()).isEmpty();
      assertThat(b.ipam.reserved(ns + "/blue")).isEmpty();
      assertThat(exec("ip", "-n", ns2, "link", "show", "net1").exitCode()).isNotZero();

      // DEL on the first node frees it; the runtime's retry on the second node gets it
      ok(call(a, "DEL", "c1", path(ns1), p1, want));
      assertThat(reservations()).isEmpty();
      ok(call(b, "ADD", "c2", path(ns2), p2, want));
      assertThat(reservations())
          .singleElement()
          .satisfies(r -> assertThat(r.getSpec().node()).isEqualTo(nodeB));

      // a crash between reservation and record: the reconcile frees the reservation
      b.store.delete(new AttachmentKey("blue", "c2", "net1"));
      b.handler.reconcile();
      assertThat(reservations()).as("orphan without record freed").isEmpty();
      assertThat(b.ipam.reserved(ns + "/blue")).isEmpty();

      // a pod deleted from the API while its record stays: the reconcile frees the reservation
      Pod p3 = pod("p3");
      String ns3 = nets.create();
      ok(call(a, "ADD", "c3", path(ns3), p3, config("10.77.71.60/24")));
      assertThat(reservations()).hasSize(1);
      a.handler.reconcile();
      assertThat(reservations()).as("live pod: kept").hasSize(1);
      client.pods().inNamespace(ns).withName("p3").withGracePeriod(0).delete();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> client.pods().inNamespace(ns).withName("p3").get() == null);
      a.handler.reconcile();
      assertThat(reservations()).as("pod gone: freed").isEmpty();
      ok(call(a, "DEL", "c3", path(ns3), p3, config("10.77.71.60/24")));
      assertThat(a.store.list()).isEmpty();
    }
  }

  @Test
  void aDynamicAddressMakesNoReservation() throws Exception {
    try (Netns nets = new Netns();
        AgentFixture a = new AgentFixture()) {
      a.handler.reservations(new KubeAddressReservations(client, nodeA));
      Pod p = pod("dyn");
      String n = nets.create();
      ok(call(a, "ADD", "d1", path(n), p, config(null)));
      assertThat(reservations()).as("node blocks keep dynamic addresses unique").isEmpty();
      ok(call(a, "DEL", "d1", path(n), p, config(null)));
    }
  }
}
