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
    List<VdeNode> nodes = List.of(
        Fixtures.vdeNode("a", "10.0.0.1", "ns", "net", true, 2, NOW.minusSeconds(5)),
        Fixtures.vdeNode("b", "10.0.0.2", "ns", "net", true, 3, NOW.minusSeconds(600)),
        Fixtures.vdeNode("c", "10.0.0.3", "ns", "other", true, 9, NOW));
    NodeReports.NetworkView v = NodeReports.network("ns", "net", nodes, NOW, Duration.ofSeconds(60));
    assertThat(v.reporting()).isEqualTo(2);
    assertThat(v.ready()).isEqualTo(1);
    assertThat(v.attachments()).isEqualTo(5);
    assertThat(v.nodesWithAttachments()).containsExactly("a", "b");
  }

  @Test
  void linkPathsComeFromTheNodesRunningThem() {
    VdeNode n = Fixtures.vdeNode("a", "10.0.0.1", "ns", "net", true, 0, NOW);
    n.setStatus(new VdeNodeStatus(null, 0, null, List.of(
        new NodeLinkPath("ns", "l", "p2", PathState.DOWN, null, 0L, 0L, 0L, 0L),
        new NodeLinkPath("ns", "l", "p1", PathState.UP, null, 5L, 6L, 700L, 800L),
        new NodeLinkPath("ns", "other", "p1", PathState.UP, null, 0L, 0L, 0L, 0L)), 0, NOW.toString()));
    var paths = NodeReports.linkPaths("ns", "l", List.of(n), NOW, Duration.ofSeconds(60));
    assertThat(paths).extracting(p -> p.name() + "=" + p.state()).containsExactly("p1=UP", "p2=DOWN");
  }
}
