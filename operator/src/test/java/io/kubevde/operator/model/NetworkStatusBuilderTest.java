package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.VdeNetworkStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkStatusBuilderTest {
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  @Test
  void aFullStatusPrintsReadyOverTotalNodesAndLeavesEmptyBlocksOut() {
    VdeNetworkStatus s =
        NetworkStatusBuilder.empty()
            .observedGeneration(3L)
            .conditions(Conditions.set(null, Conditions.READY, true, "Ready", "ok", 3L, T))
            .allocation(4096, "239.77.0.1", 14789, 1450)
            .nodes(2, 3)
            .attachments(5)
            .nodeRanges(List.of())
            .published("blue", "kubevde-system/vnet.ns.blue")
            .build();
    assertThat(s.nodes()).isEqualTo("2/3");
    assertThat(s.nodesReady()).isEqualTo(2);
    assertThat(s.nodesTotal()).isEqualTo(3);
    assertThat(s.nodeRanges()).isNull();
    assertThat(s.vni()).isEqualTo(4096);
    assertThat(s.group()).isEqualTo("239.77.0.1");
    assertThat(s.port()).isEqualTo(14789);
    assertThat(s.mtu()).isEqualTo(1450);
    assertThat(s.attachments()).isEqualTo(5);
    assertThat(s.networkAttachmentDefinition()).isEqualTo("blue");
    assertThat(s.configMap()).isEqualTo("kubevde-system/vnet.ns.blue");
    assertThat(s.observedGeneration()).isEqualTo(3L);
  }

  @Test
  void changingOneFieldKeepsEveryOtherFieldOfThePreviousStatus() {
    List<NodeRange> ranges = List.of(new NodeRange("w1", "10.0.0.0/24", "10.0.0.1", "10.0.0.254"));
    VdeNetworkStatus prev =
        NetworkStatusBuilder.empty()
            .observedGeneration(2L)
            .conditions(Conditions.set(null, Conditions.READY, true, "Ready", "ok", 2L, T))
            .allocation(4097, "239.77.0.2", 14789, 1400)
            .nodes(1, 1)
            .attachments(2)
            .nodeRanges(ranges)
            .published("red", "kubevde-system/vnet.ns.red")
            .build();
    var blocked =
        Conditions.set(
            prev.conditions(), Conditions.READY, false, "DeletionBlocked", "busy", 3L, T);
    VdeNetworkStatus next =
        NetworkStatusBuilder.from(prev)
            .observedGenerationIfAbsent(3L)
            .conditions(blocked)
            .attachments(1)
            .build();
    assertThat(next)
        .isEqualTo(
            new VdeNetworkStatus(
                2L,
                blocked,
                4097,
                "239.77.0.2",
                14789,
                1400,
                "1/1",
                1,
                1,
                1,
                ranges,
                "red",
                "kubevde-system/vnet.ns.red"));
    assertThat(
            NetworkStatusBuilder.from(null)
                .observedGenerationIfAbsent(3L)
                .build()
                .observedGeneration())
        .isEqualTo(3L);
  }
}
