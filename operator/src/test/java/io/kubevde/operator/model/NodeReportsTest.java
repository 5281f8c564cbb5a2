package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import io.kubevde.operator.testing.Fixtures;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeReportsTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:10:00Z");

  @Test
  void staleHeartbeatsAreNotReadyButTheirAttachmentsCount() {
    List<VdeNode> nodes =
        List.of(
            Fixtures.vdeNode("a", "10.0.0.1", "ns", "net", true, 2, NOW.minusSeconds(5)),
            Fixtures.vdeNode("b", "10.0.0.2", "ns", "net", true, 3, NOW.minusSeconds(600)),
            Fixtures.vdeNode("c", "10.0.0.3", "ns", "other", true, 9, NOW));
    NodeReports.NetworkView v =
        NodeReports.network("ns", "net", nodes, NOW, Duration.ofSeconds(60));
    assertThat(v.reporting()).isEqualTo(2);
    assertThat(v.ready()).isEqualTo(1);
    assertThat(v.attachments()).isEqualTo(5);
    assertThat(v.nodesWithAttachments()).containsExactly("a", "b");
  }

  @Test
  void aFreshLeaseKeepsAnUnchangedReportLiveAndGoneNodesAreDropped() {
    VdeNode quiet = Fixtures.vdeNode("a", "10.0.0.1", "ns", "net", true, 1, NOW.minusSeconds(600));
    VdeNode orphan = Fixtures.vdeNode("b", "10.0.0.2", "ns", "net", true, 4, NOW);
    orphan
        .getMetadata()
        .setOwnerReferences(
            List.of(
                new io.fabric8.kubernetes.api.model.OwnerReferenceBuilder()
                    .withApiVersion("v1")
                    .withKind("Node")
                    .withName("b")
                    .withUid("uid-b")
                    .build()));
    VdeNode failing = Fixtures.vdeNode("c", "10.0.0.3", "ns", "net", false, 0, NOW);
    failing.setStatus(
        new VdeNodeStatus(
            List.of(
                new io.kubevde.api.v1alpha1.NodeNetwork("ns", "net", false, 0, 0, "port in use")),
            0,
            null,
            null,
            0,
            NOW.toString()));
    List<VdeNode> live =
        NodeReports.live(List.of(quiet, orphan, failing), java.util.Set.of("uid-a"));
    assertThat(live).extracting(v -> v.getMetadata().getName()).containsExactly("a", "c");
    NodeReports.NetworkView v =
        NodeReports.network(
            "ns",
            "net",
            live,
            java.util.Map.of("a", NOW.minusSeconds(5)),
            NOW,
            Duration.ofSeconds(60));
    assertThat(v.ready()).isEqualTo(1);
    assertThat(v.attachments()).isEqualTo(1);
    assertThat(v.failures()).containsExactly("c: port in use");
    assertThat(
            NodeReports.network(
                    "ns",
                    "net",
                    live,
                    java.util.Map.of("a", NOW.minusSeconds(100)),
                    NOW,
                    Duration.ofSeconds(60))
                .ready())
        .isZero();
  }

  @Test
  void linkPathsComeFromTheNodesRunningThem() {
    VdeNode n = Fixtures.vdeNode("a", "10.0.0.1", "ns", "net", true, 0, NOW);
    n.setStatus(
        new VdeNodeStatus(
            null,
            0,
            null,
            List.of(
                new NodeLinkPath("ns", "l", "p2", PathState.DOWN, null, 0L, 0L, 0L, 0L),
                new NodeLinkPath("ns", "l", "p1", PathState.UP, null, 5L, 6L, 700L, 800L),
                new NodeLinkPath("ns", "other", "p1", PathState.UP, null, 0L, 0L, 0L, 0L)),
            0,
            NOW.toString()));
    var paths = NodeReports.linkPaths("ns", "l", List.of(n), NOW, Duration.ofSeconds(60));
    assertThat(paths)
        .extracting(p -> p.name() + "=" + p.state())
        .containsExactly("p1=UP", "p2=DOWN");
  }
}
