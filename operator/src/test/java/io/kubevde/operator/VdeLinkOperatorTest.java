package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.v1alpha1.LinkMode;
import io.kubevde.api.v1alpha1.LinkPath;
import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeLinkSpec;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import io.kubevde.operator.model.AllocationPolicy;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.testing.KubeApi;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** VdeLink status as users see it, against a real kube-apiserver. */
class VdeLinkOperatorTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static KubernetesClient client;
  private static RunningOperator op;
  private String ns;

  @BeforeAll
  static void startOperator() {
    client = KubeApi.withKubevdeCrds().client();
    String opNs = KubeApi.newNamespace(client, "kubevde-system");
    op =
        new RunningOperator(
            new OperatorConfig(
                opNs,
                AllocationPolicy.defaults(),
                Duration.ofSeconds(30),
                false,
                "kubevde-operator",
                -1));
  }

  @AfterAll
  static void stopOperator() {
    if (op != null) op.close();
    if (client != null) client.close();
  }

  @BeforeEach
  void namespace() {
    ns = KubeApi.newNamespace(client, "link");
  }

  private VdeLink get(String name) {
    return client.resources(VdeLink.class).inNamespace(ns).withName(name).get();
  }

  private String reason(String name) {
    VdeLink l = get(name);
    return l == null || l.getStatus() == null
        ? ""
        : Conditions.find(l.getStatus().conditions(), Conditions.READY)
            .map(c -> c.getReason())
            .orElse("");
  }

  private void createLink(String name, VdeLinkSpec spec) {
    client.resources(VdeLink.class).inNamespace(ns).resource(VdeLink.of(ns, name, spec)).create();
  }

  @Test
  void linkWaitsForItsNetworkThenReportsPathState() {
    createLink(
        "uplink",
        new VdeLinkSpec(
            "red",
            null,
            null,
            LinkMode.MULTI,
            List.of(
                new LinkPath("old", "udp://192.168.77.1:5000/192.168.77.2:5000"),
                new LinkPath("new", "cmd://ssh host vde_plug vde:///tmp/sw"))));
    await().atMost(WAIT).until(() -> "NetworkNotFound".equals(reason("uplink")));

    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "red", spec(null, null, null)))
        .create();
    await().atMost(WAIT).until(() -> "Ready".equals(reason("uplink")));
    assertThat(get("uplink").getStatus().pathsUp()).isEqualTo("0/2");

    // the agent on a node reports one path up and one down
    String node = ns + "-n1";
    VdeNode v = new VdeNode();
    v.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(node).build());
    v.setSpec(new VdeNodeSpec("10.0.0.1", "0.1.0"));
    v = client.resources(VdeNode.class).resource(v).create();
    v.setStatus(
        new VdeNodeStatus(
            null,
            0,
            null,
            List.of(
                new NodeLinkPath(
                    ns,
                    "uplink",
                    "old",
                    PathState.UP,
                    Instant.now().toString(),
                    10L,
                    12L,
                    1000L,
                    1200L),
                new NodeLinkPath(
                    ns, "uplink", "new", PathState.DOWN, Instant.now().toString(), 0L, 0L, 0L, 0L)),
            0,
            Instant.now().toString()));
    client.resources(VdeNode.class).resource(v).updateStatus();

    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              VdeLink l = get("uplink");
              assertThat(l.getStatus().pathsUp()).isEqualTo("1/2");
              assertThat(l.getStatus().paths())
                  .extracting(p -> p.name() + "@" + p.node() + "=" + p.state())
                  .containsExactly("new@" + node + "=DOWN", "old@" + node + "=UP");
              var d =
                  Conditions.find(l.getStatus().conditions(), Conditions.DEGRADED).orElseThrow();
              assertThat(d.getStatus()).isEqualTo("True");
              assertThat(d.getMessage()).contains("new@" + node);
            });
    assertThat(
            get("uplink").getStatus().paths().stream()
                .filter(p -> p.name().equals("old"))
                .findFirst()
                .get()
                .rxBytes())
        .isEqualTo(1000L);

    // the agent's link policy refuses the cmd:// path: Refused with its reason, Degraded
    // PathsRefused
    v = client.resources(VdeNode.class).withName(node).get();
    v.setStatus(
        new VdeNodeStatus(
            null,
            0,
            null,
            List.of(
                new NodeLinkPath(
                    ns,
                    "uplink",
                    "old",
                    PathState.UP,
                    Instant.now().toString(),
                    10L,
                    12L,
                    1000L,
                    1200L),
                new NodeLinkPath(
                    ns,
                    "uplink",
                    "new",
                    PathState.REFUSED,
                    Instant.now().toString(),
                    null,
                    null,
                    null,
                    null,
                    "VNL scheme cmd:// is not allowed for VdeLinks in namespace " + ns)),
            0,
            Instant.now().toString()));
    client.resources(VdeNode.class).resource(v).updateStatus();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              VdeLink l = get("uplink");
              assertThat(l.getStatus().paths())
                  .extracting(p -> p.name() + "=" + p.state())
                  .contains("new=REFUSED");
              assertThat(
                      l.getStatus().paths().stream()
                          .filter(p -> p.name().equals("new"))
                          .findFirst()
                          .get()
                          .message())
                  .contains("cmd://");
              var d =
                  Conditions.find(l.getStatus().conditions(), Conditions.DEGRADED).orElseThrow();
              assertThat(d.getStatus()).isEqualTo("True");
              assertThat(d.getReason()).isEqualTo("PathsRefused");
              assertThat(d.getMessage()).contains("new@" + node, "cmd://");
            });
    client.resources(VdeNode.class).withName(node).delete();
  }

  @Test
  void specErrorsTheSchemaCannotSeeBecomeConditions() {
    // node+nodeSelector and duplicate path names are rejected by the CRD's CEL rules
    // (CrdSchemaTest)
    createLink(
        "malformed",
        new VdeLinkSpec(
            "red", null, null, null, List.of(new LinkPath("p", "vdenetwork://only-a-name"))));
    createLink(
        "peer",
        new VdeLinkSpec(
            "red",
            null,
            null,
            null,
            List.of(new LinkPath("p", "vdenetwork://" + ns + "/missing"))));
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "red", spec(null, null, null)))
        .create();
    await()
        .atMost(WAIT)
        .until(
            () ->
                "InvalidSpec".equals(reason("malformed"))
                    && "PeerNetworkNotFound".equals(reason("peer")));
    assertThat(
            Conditions.find(get("malformed").getStatus().conditions(), Conditions.READY)
                .get()
                .getMessage())
        .contains("vdenetwork://<namespace>/<name>");
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "missing", spec(null, null, null)))
        .create();
    await().atMost(WAIT).until(() -> "Ready".equals(reason("peer")));
  }
}
