package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.api.v1alpha1.Ipam;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.NodeRange;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpamPlanTest {
  private static Ipam ipam(String subnet, String start, String end, String gw, Integer block) {
    return new Ipam(null, subnet, start, end, gw, null, block);
  }

  @Test
  void defaultBlocksArePrefixPlusFourClippedToTheUsableRange() {
    IpamPlan.Result r =
        IpamPlan.plan(ipam("10.77.0.0/24", null, null, null, null), List.of("b", "a"), null);
    assertThat(r.ranges())
        .containsExactly(
            new NodeRange("a", "10.77.0.0/28", "10.77.0.1", "10.77.0.15"),
            new NodeRange("b", "10.77.0.16/28", "10.77.0.16", "10.77.0.31"));
    assertThat(r.unplaced()).isEmpty();
  }

  @Test
  void aRetainedNodeKeepsItsBlockOutsideTheSelectionButGetsNoNewOne() {
    List<NodeRange> prev = List.of(new NodeRange("left", "10.77.0.0/28", null, null));
    IpamPlan.Result r =
        IpamPlan.plan(
            ipam("10.77.0.0/24", null, null, null, null),
            List.of("d"),
            java.util.Set.of("left", "never-had-one"),
            prev);
    assertThat(r.ranges())
        .extracting(NodeRange::node, NodeRange::cidr)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("d", "10.77.0.16/28"),
            org.assertj.core.groups.Tuple.tuple("left", "10.77.0.0/28"));
    assertThat(r.unplaced()).isEmpty();
    // no longer retained: freed and reused
    IpamPlan.Result later =
        IpamPlan.plan(
            ipam("10.77.0.0/24", null, null, null, null),
            List.of("d", "e"),
            java.util.Set.of(),
            r.ranges());
    assertThat(later.ranges())
        .extracting(NodeRange::node, NodeRange::cidr)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("d", "10.77.0.16/28"),
            org.assertj.core.groups.Tuple.tuple("e", "10.77.0.0/28"));
  }

  @Test
  void nodesKeepTheirBlocksAndNewNodesFillGaps() {
    List<NodeRange> prev =
        List.of(
            new NodeRange("c", "10.77.0.32/28", null, null),
            new NodeRange("gone", "10.77.0.0/28", null, null));
    IpamPlan.Result r =
        IpamPlan.plan(ipam("10.77.0.0/24", null, null, null, null), List.of("c", "d"), prev);
    assertThat(r.ranges())
        .extracting(NodeRange::node, NodeRange::cidr)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("c", "10.77.0.32/28"),
            org.assertj.core.groups.Tuple.tuple("d", "10.77.0.0/28"));
  }

  @Test
  void fullSubnetLeavesNodesUnplaced() {
    IpamPlan.Result r =
        IpamPlan.plan(ipam("10.77.0.0/24", null, null, null, 25), List.of("a", "b", "c"), null);
    assertThat(r.ranges()).hasSize(2);
    assertThat(r.unplaced()).containsExactly("c");
  }

  @Test
  void blocksOutsideTheRangeAreSkipped() {
    IpamPlan.Result r =
        IpamPlan.plan(
            ipam("10.77.0.0/24", "10.77.0.100", "10.77.0.140", null, 26),
            List.of("a", "b", "c"),
            null);
    assertThat(r.ranges())
        .containsExactly(
            new NodeRange("a", "10.77.0.64/26", "10.77.0.100", "10.77.0.127"),
            new NodeRange("b", "10.77.0.128/26", "10.77.0.128", "10.77.0.140"));
    assertThat(r.unplaced()).containsExactly("c");
  }

  @Test
  void ipv6SubnetsWork() {
    IpamPlan.Result r =
        IpamPlan.plan(ipam("fd77::/64", null, null, null, null), List.of("a"), null);
    assertThat(r.ranges())
        .singleElement()
        .satisfies(n -> assertThat(n.cidr()).isEqualTo("fd77::/68"));
  }

  @Test
  void validationCatchesWhatTheSchemaCannot() {
    assertThat(IpamPlan.validate(null)).isNull();
    assertThat(IpamPlan.validate(new Ipam(IpamType.NONE, null, null, null, null, null, null)))
        .isNull();
    assertThat(IpamPlan.validate(ipam(null, null, null, null, null)))
        .contains("subnet is required");
    assertThat(IpamPlan.validate(ipam("10.0.0.0/16", "10.1.0.1", null, null, null)))
        .contains("rangeStart");
    assertThat(IpamPlan.validate(ipam("10.0.0.0/16", null, null, "192.168.0.1", null)))
        .contains("gateway");
    assertThat(IpamPlan.validate(ipam("10.0.0.0/16", "10.0.0.9", "10.0.0.5", null, null)))
        .contains("after");
    assertThat(IpamPlan.validate(ipam("10.0.0.0/16", null, null, null, 8)))
        .contains("nodeBlockPrefix");
    assertThat(
            IpamPlan.validate(
                new Ipam(null, "10.0.0.0/16", null, null, null, List.of("10.9.0.0/24"), null)))
        .contains("exclude");
    assertThat(IpamPlan.validate(ipam("10.0.0.0/16", "10.0.0.10", "10.0.0.20", "10.0.0.1", 24)))
        .isNull();
  }

  @Test
  void aDualStackNetworkGetsABlockOfEachSubnetPerNode() {
    Ipam ds =
        new Ipam(
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            List.of(
                new io.kubevde.api.v1alpha1.IpamSubnet(
                    "10.77.0.0/24", null, null, null, null, null),
                new io.kubevde.api.v1alpha1.IpamSubnet(
                    "fd77::/64", null, null, "fd77::1", null, 68)),
            List.of(new io.kubevde.api.v1alpha1.IpamRoute("fd99::/64", null)));
    assertThat(ds.subnet()).as("the first of subnets is the primary").isEqualTo("10.77.0.0/24");
    assertThat(ds.additionalSubnets()).extracting(s -> s.subnet()).containsExactly("fd77::/64");
    assertThat(IpamPlan.validate(ds)).isNull();
    IpamPlan.Result r = IpamPlan.plan(ds, List.of("b", "a"), null);
    assertThat(r.ranges())
        .extracting(NodeRange::node, NodeRange::cidr)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("a", "10.77.0.0/28"),
            org.assertj.core.groups.Tuple.tuple("b", "10.77.0.16/28"),
            org.assertj.core.groups.Tuple.tuple("a", "fd77::/68"),
            org.assertj.core.groups.Tuple.tuple("b", "fd77::1000:0:0:0/68"));
    // each family keeps its blocks on the next reconcile (previous status lists both)
    IpamPlan.Result again = IpamPlan.plan(ds, List.of("c", "b"), r.ranges());
    assertThat(again.ranges())
        .extracting(NodeRange::node, NodeRange::cidr)
        .contains(
            org.assertj.core.groups.Tuple.tuple("b", "10.77.0.16/28"),
            org.assertj.core.groups.Tuple.tuple("b", "fd77::1000:0:0:0/68"),
            org.assertj.core.groups.Tuple.tuple("c", "10.77.0.0/28"),
            org.assertj.core.groups.Tuple.tuple("c", "fd77::/68"));
    Ipam twoV4 =
        new Ipam(
            null,
            "10.77.0.0/24",
            null,
            null,
            null,
            null,
            null,
            List.of(
                new io.kubevde.api.v1alpha1.IpamSubnet(
                    "10.78.0.0/24", null, null, null, null, null)),
            null);
    assertThat(IpamPlan.validate(twoV4)).contains("at most one subnet per address family");
    Ipam badGw =
        new Ipam(
            null,
            "10.77.0.0/24",
            null,
            null,
            null,
            null,
            null,
            List.of(
                new io.kubevde.api.v1alpha1.IpamSubnet(
                    "fd77::/64", null, null, "fd78::1", null, null)),
            null);
    assertThat(IpamPlan.validate(badGw)).contains("ipam.subnets").contains("gateway");
  }
}
