package io.kubevde.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.ipam.AddressReservations.Claim;
import io.kubevde.api.v1alpha1.VdeAddressReservation;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.testing.KubeApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cluster-wide reservation store against a real kube-apiserver, each agent with exactly the
 * RBAC the chart gives it for this ({@code vdeaddressreservations} get/list/create/delete, {@code
 * pods} get, through an impersonated service account): two agents racing for one address — exactly
 * one wins, every other gets code 7 naming the winner's pod; a repeated reserve of the same
 * attachment is idempotent; DEL (release) frees it for the other node, a release by another
 * attachment frees nothing; a reservation whose pod is gone or was replaced is taken over; owner
 * references only for a pod of the network's namespace; each agent lists only its node's.
 */
class AddressReservationsTest {
  private KubernetesClient admin;
  private KubernetesClient agentA;
  private KubernetesClient agentB;
  private String ns;
  private String role;
  private final String nodeA = "node-a-" + UUID.randomUUID().toString().substring(0, 6);
  private final String nodeB = "node-b-" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void setUp() {
    admin = KubeApi.withKubevdeCrds().client();
    ns = KubeApi.newNamespace(admin, "addr");
    role = "kv-addr-agent-" + UUID.randomUUID().toString().substring(0, 6);
    admin
        .rbac()
        .clusterRoles()
        .resource(
            new ClusterRoleBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withRules(
                    new PolicyRuleBuilder()
                        .withApiGroups("kubevde.io")
                        .withResources("vdeaddressreservations")
                        .withVerbs("get", "list", "create", "delete")
                        .build(),
                    new PolicyRuleBuilder()
                        .withApiGroups("")
                        .withResources("pods")
                        .withVerbs("get")
                        .build())
                .build())
        .create();
    admin
        .rbac()
        .clusterRoleBindings()
        .resource(
            new ClusterRoleBindingBuilder()
                .withNewMetadata()
                .withName(role)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", "ClusterRole", role)
                .addNewSubject()
                .withKind("ServiceAccount")
                .withName("agent")
                .withNamespace(ns)
                .endSubject()
                .build())
        .create();
    agentA = KubeApi.withKubevdeCrds().as(ns, "agent");
    agentB = KubeApi.withKubevdeCrds().as(ns, "agent");
  }

  @AfterEach
  void tearDown() {
    if (admin != null) {
      admin.rbac().clusterRoleBindings().withName(role).delete();
      admin.rbac().clusterRoles().withName(role).delete();
      admin.close();
    }
    if (agentA != null) agentA.close();
    if (agentB != null) agentB.close();
  }

  private Pod pod(String namespace, String name) {
    return admin
        .pods()
        .inNamespace(namespace)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withNamespace(namespace)
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

  private Claim claim(Pod p, String address, String container) {
    return new Claim(
        ns + "/blue",
        address,
        p.getMetadata().getNamespace(),
        p.getMetadata().getName(),
        p.getMetadata().getUid(),
        container,
        "net1");
  }

  private List<VdeAddressReservation> objects() {
    return admin.resources(VdeAddressReservation.class).inNamespace(ns).list().getItems();
  }

  @Test
  void twoAgentsRacingForOneAddressExactlyOneWins() throws Exception {
    KubeAddressReservations a = new KubeAddressReservations(agentA, nodeA);
    KubeAddressReservations b = new KubeAddressReservations(agentB, nodeB);
    List<Pod> pods = new ArrayList<>();
    for (int i = 0; i < 16; i++) pods.add(pod(ns, "web-" + i));
    CountDownLatch go = new CountDownLatch(1);
    AtomicInteger won = new AtomicInteger();
    ConcurrentLinkedQueue<CniError> lost = new ConcurrentLinkedQueue<>();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        KubeAddressReservations store = i % 2 == 0 ? a : b;
        Claim c = claim(pods.get(i), "10.77.70.5", "c" + i);
        fs.add(
            pool.submit(
                () -> {
                  go.await();
                  try {
                    store.reserve(c);
                    won.incrementAndGet();
                  } catch (CniError.Failure f) {
                    lost.add(f.error());
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : fs) f.get();
    } finally {
      pool.shutdownNow();
    }
    assertThat(won.get()).as("exactly one reservation made").isEqualTo(1);
    assertThat(lost).hasSize(15);
    List<VdeAddressReservation> objs = objects();
    assertThat(objs).singleElement();
    VdeAddressReservation r = objs.getFirst();
    assertThat(r.getMetadata().getName()).isEqualTo("blue.10.77.70.5");
    String winner = ns + "/" + r.getSpec().podName();
    assertThat(lost)
        .allSatisfy(
            e -> {
              assertThat(e.code()).isEqualTo(CniError.INVALID_CONFIG);
              assertThat(e.msg())
                  .contains("10.77.70.5")
                  .contains("already reserved by pod " + winner)
                  .contains("on node " + r.getSpec().node());
            });
    // owned by its pod (same namespace): the garbage collector deletes it with the pod
    assertThat(r.getMetadata().getOwnerReferences())
        .singleElement()
        .satisfies(
            o -> {
              assertThat(o.getKind()).isEqualTo("Pod");
              assertThat(o.getName()).isEqualTo(r.getSpec().podName());
            });
  }

  @Test
  void aRepeatedReserveIsIdempotentAndDelFreesTheAddressForTheOtherNode() {
    KubeAddressReservations a = new KubeAddressReservations(agentA, nodeA);
    KubeAddressReservations b = new KubeAddressReservations(agentB, nodeB);
    Pod p1 = pod(ns, "p1");
    Pod p2 = pod(ns, "p2");
    Claim one = claim(p1, "fd77::5", "c1");
    a.reserve(one);
    a.reserve(one); // the runtime retried the ADD
    assertThat(objects())
        .singleElement()
        .satisfies(
            r ->
                assertThat(r.getMetadata().getName())
                    .isEqualTo("blue.fd77-0000-0000-0000-0000-0000-0000-0005"));
    Claim two = claim(p2, "fd77:0::5", "c2");
    assertThatThrownBy(() -> b.reserve(two))
        .isInstanceOfSatisfying(
            CniError.Failure.class,
            f -> assertThat(f.error().msg()).contains("pod " + ns + "/p1 on node " + nodeA));
    assertThat(b.release(two)).as("not its reservation: nothing to release").isTrue();
    assertThat(objects()).as("another attachment's release frees nothing").hasSize(1);
    assertThat(a.mine()).extracting(Claim::address).containsExactly("fd77::5");
    assertThat(b.mine()).isEmpty();
    assertThat(a.release(one)).isTrue();
    assertThat(a.release(one)).as("idempotent").isTrue();
    assertThat(objects()).isEmpty();
    b.reserve(two);
    assertThat(b.mine()).singleElement().satisfies(c -> assertThat(c.podName()).isEqualTo("p2"));
  }

  @Test
  void aReservationWhosePodIsGoneOrReplacedIsTakenOver() {
    KubeAddressReservations a = new KubeAddressReservations(agentA, nodeA);
    KubeAddressReservations b = new KubeAddressReservations(agentB, nodeB);
    Pod old = pod(ns, "db-0");
    Claim held = claim(old, "10.77.70.9", "c-old");
    a.reserve(held);
    assertThat(a.podGone(held)).isFalse();
    // the StatefulSet pod is deleted and recreated under the same name (new uid) on node-b
    admin.pods().inNamespace(ns).withName("db-0").withGracePeriod(0).delete();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> admin.pods().inNamespace(ns).withName("db-0").get() == null);
    Pod again = pod(ns, "db-0");
    assertThat(a.podGone(held)).as("same name, another uid").isTrue();
    Claim now = claim(again, "10.77.70.9", "c-new");
    b.reserve(now);
    assertThat(objects())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getSpec().containerId()).isEqualTo("c-new");
              assertThat(r.getSpec().node()).isEqualTo(nodeB);
              assertThat(r.getSpec().podUid()).isEqualTo(again.getMetadata().getUid());
            });
    assertThat(a.release(held)).as("the old attachment's DEL leaves the new one alone").isTrue();
    assertThat(objects()).hasSize(1);
  }

  @Test
  void aPodOfAnotherNamespaceGetsNoOwnerReference() {
    String tenant = KubeApi.newNamespace(admin, "tenant");
    KubeAddressReservations a = new KubeAddressReservations(agentA, nodeA);
    Pod p = pod(tenant, "p");
    a.reserve(claim(p, "10.77.70.11", "c1"));
    assertThat(objects())
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getMetadata().getNamespace()).isEqualTo(ns);
              assertThat(r.getSpec().podNamespace()).isEqualTo(tenant);
              assertThat(r.getMetadata().getOwnerReferences()).isNullOrEmpty();
            });
  }

  @Test
  void anUnreachableApiServerIsTryAgainLaterNotAFailure() {
    // no HTTP answer at all (connection refused, a timeout): fabric8 reports code -1
    try (KubernetesClient down =
        new io.fabric8.kubernetes.client.KubernetesClientBuilder()
            .withConfig(
                new io.fabric8.kubernetes.client.ConfigBuilder()
                    .withMasterUrl("https://127.0.0.1:" + closedPort())
                    .withConnectionTimeout(2000)
                    .withRequestTimeout(2000)
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      KubeAddressReservations r = new KubeAddressReservations(down, nodeA);
      Claim c = new Claim(ns + "/blue", "10.77.9.9", ns, "p1", "uid-1", "c1", "net1");
      assertThatThrownBy(() -> r.reserve(c))
          .isInstanceOfSatisfying(
              CniError.Failure.class,
              f ->
                  assertThat(f.error().code())
                      .as("%s", f.error())
                      .isEqualTo(CniError.TRY_AGAIN_LATER));
    }
  }

  /** A loopback TCP port nobody listens on (bound, then closed). */
  private static int closedPort() {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return s.getLocalPort();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
