package io.kubevde.operator.model;

import io.kubevde.api.net.Cidr;
import io.kubevde.api.v1alpha1.Ipam;
import io.kubevde.api.v1alpha1.IpamSubnet;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.NodeRange;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Splits a network's IPAM subnet into one block per node (pure; the agents assign pod addresses
 * inside their block only, like Flannel's per-node subnets with host-local).
 *
 * <p>Blocks are {@code nodeBlockPrefix} long (default: subnet prefix + 4, at most /28 for IPv4 and
 * /124 for IPv6, never shorter than the subnet). A node keeps the block it had (from the previous
 * status) as long as it stays selected; new nodes get the lowest free block; nodes that are no
 * longer selected free theirs once they are not {@code retained} (the caller retains a node that
 * still has attachments on the network and whose Node exists). Each block's assignable range is the
 * block clipped to the network's {@code rangeStart..rangeEnd} (default: the subnet minus its first
 * and, for IPv4, last address). The gateway and {@code exclude} are passed to the agents, which
 * skip them.
 */
public final class IpamPlan {
  private IpamPlan() {}

  /**
   * Result.
   *
   * @param ranges one entry per node that got a block, sorted by node name
   * @param unplaced nodes that got no block (the subnet is full)
   */
  public record Result(List<NodeRange> ranges, List<String> unplaced) {}

  /**
   * @param ipam the network's spec.ipam (must already be {@link #validate validated})
   * @param nodes names of the selected nodes
   * @param previous status.nodeRanges from the last reconcile (may be null)
   * @return the per-node blocks
   */
  public static Result plan(Ipam ipam, Collection<String> nodes, List<NodeRange> previous) {
    return plan(ipam, nodes, Set.of(), previous);
  }

  /**
   * @param ipam the network's spec.ipam (must already be {@link #validate validated})
   * @param nodes names of the selected nodes
   * @param retained nodes that keep the block they had even when no longer selected (pods on them
   *     still use it); such a node never gets a new block
   * @param previous status.nodeRanges from the last reconcile (may be null)
   * @return the per-node blocks
   */
  public static Result plan(
      Ipam ipam, Collection<String> nodes, Set<String> retained, List<NodeRange> previous) {
    Result first = planOne(ipam, nodes, retained, sameFamily(previous, ipam.subnet()));
    if (ipam.additionalSubnets().isEmpty()) return first;
    // dual-stack: every subnet is split on its own; status lists the blocks of all of them
    List<NodeRange> ranges = new ArrayList<>(first.ranges());
    List<String> unplaced = new ArrayList<>(first.unplaced());
    for (IpamSubnet sub : ipam.additionalSubnets()) {
      Result r =
          planOne(sub.asIpam(ipam.type()), nodes, retained, sameFamily(previous, sub.subnet()));
      ranges.addAll(r.ranges());
      for (String u : r.unplaced()) if (!unplaced.contains(u)) unplaced.add(u);
    }
    return new Result(List.copyOf(ranges), List.copyOf(unplaced));
  }

  /** The previous blocks of {@code subnet}'s address family. */
  private static List<NodeRange> sameFamily(List<NodeRange> previous, String subnet) {
    if (previous == null) return null;
    boolean v6 = subnet.contains(":");
    return previous.stream().filter(r -> r.cidr() != null && r.cidr().contains(":") == v6).toList();
  }

  private static Result planOne(
      Ipam ipam, Collection<String> nodes, Set<String> retained, List<NodeRange> previous) {
    Cidr subnet = Cidr.parseNetwork(ipam.subnet());
    int blockPrefix = blockPrefix(ipam, subnet);
    long count = subnet.blockCount(blockPrefix);
    Map<String, Long> kept = new HashMap<>();
    Set<Long> taken = new HashSet<>();
    Set<String> selected = Set.copyOf(nodes);
    Set<String> wanted = new TreeSet<>(nodes);
    if (previous != null) {
      for (NodeRange r : previous) if (retained.contains(r.node())) wanted.add(r.node());
      for (NodeRange r : previous) {
        if (!wanted.contains(r.node())) continue;
        try {
          Cidr b = Cidr.parseNetwork(r.cidr());
          if (b.prefix() != blockPrefix || !subnet.contains(new Cidr.Ip(b.network(), b.bits())))
            continue;
          long idx =
              b.network()
                  .subtract(subnet.network())
                  .shiftRight(b.bits() - blockPrefix)
                  .longValueExact();
          if (taken.add(idx)) kept.put(r.node(), idx);
        } catch (RuntimeException e) {
          // a block that no longer fits the spec (subnet edited): reallocate it
        }
      }
    }
    Range net = networkRange(ipam, subnet);
    List<NodeRange> out = new ArrayList<>();
    List<String> unplaced = new ArrayList<>();
    long next = 0;
    for (String node : wanted) {
      Long idx = kept.get(node);
      if (idx == null && !selected.contains(node))
        continue; // retained, but its block no longer fits: nothing to keep
      if (idx == null) {
        while (next < count
            && (taken.contains(next) || clip(subnet.block(blockPrefix, next), net) == null)) next++;
        if (next >= count) {
          unplaced.add(node);
          continue;
        }
        idx = next;
        taken.add(idx);
      }
      Cidr block = subnet.block(blockPrefix, idx);
      Range r = clip(block, net);
      out.add(
          new NodeRange(
              node,
              block.toString(),
              r == null ? null : r.first.toString(),
              r == null ? null : r.last.toString()));
    }
    return new Result(List.copyOf(out), List.copyOf(unplaced));
  }

  /**
   * Checks what the schema cannot: subnet present for host-local, range and gateway inside the
   * subnet, start ≤ end, excludes inside the subnet, block prefix not shorter than the subnet's.
   *
   * @param ipam spec.ipam (may be null: pure L2)
   * @return an error message, or null when valid
   */
  public static String validate(Ipam ipam) {
    if (ipam == null || ipam.effectiveType() == IpamType.NONE) return null;
    String first = validateOne(ipam);
    if (first != null) return first;
    Set<Boolean> families = new HashSet<>();
    families.add(ipam.subnet().contains(":"));
    List<IpamSubnet> more = ipam.additionalSubnets();
    for (int i = 0; i < more.size(); i++) {
      String why = validateOne(more.get(i).asIpam(ipam.type()));
      if (why != null) return "ipam.subnets: " + why;
      if (!families.add(more.get(i).subnet().contains(":")))
        return "ipam: at most one subnet per address family (one IPv4, one IPv6): "
            + more.get(i).subnet();
    }
    for (var rt : ipam.effectiveRoutes()) {
      try {
        Cidr.parseNetwork(rt.dst());
        if (rt.gw() != null) Cidr.Ip.parse(rt.gw());
      } catch (IllegalArgumentException e) {
        return "ipam.routes: " + e.getMessage();
      }
    }
    return null;
  }

  private static String validateOne(Ipam ipam) {
    if (ipam.subnet() == null) return "ipam.subnet is required for ipam type host-local";
    try {
      Cidr subnet = Cidr.parseNetwork(ipam.subnet());
      for (String f : new String[] {"rangeStart", "rangeEnd", "gateway"}) {
        String v =
            switch (f) {
              case "rangeStart" -> ipam.rangeStart();
              case "rangeEnd" -> ipam.rangeEnd();
              default -> ipam.gateway();
            };
        if (v != null && !subnet.contains(Cidr.Ip.parse(v))) {
          return "ipam." + f + " " + v + " is outside the subnet " + ipam.subnet();
        }
      }
      if (ipam.rangeStart() != null
          && ipam.rangeEnd() != null
          && Cidr.Ip.parse(ipam.rangeStart()).compareTo(Cidr.Ip.parse(ipam.rangeEnd())) > 0) {
        return "ipam.rangeStart "
            + ipam.rangeStart()
            + " is after ipam.rangeEnd "
            + ipam.rangeEnd();
      }
      if (ipam.exclude() != null) {
        for (String e : ipam.exclude()) {
          if (!Cidr.parseNetwork(e).overlaps(subnet))
            return "ipam.exclude " + e + " is outside the subnet " + ipam.subnet();
        }
      }
      int bp = blockPrefix(ipam, subnet);
      if (bp < subnet.prefix() || bp > subnet.bits()) {
        return "ipam.nodeBlockPrefix "
            + bp
            + " must be between the subnet's prefix "
            + subnet.prefix()
            + " and "
            + subnet.bits();
      }
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
    return null;
  }

  static int blockPrefix(Ipam ipam, Cidr subnet) {
    if (ipam.nodeBlockPrefix() != null) return ipam.nodeBlockPrefix();
    int cap = subnet.bits() == 32 ? 28 : 124;
    return Math.max(subnet.prefix(), Math.min(subnet.prefix() + 4, cap));
  }

  private record Range(Cidr.Ip first, Cidr.Ip last) {}

  private static Range networkRange(Ipam ipam, Cidr subnet) {
    Cidr.Ip first =
        ipam.rangeStart() != null
            ? Cidr.Ip.parse(ipam.rangeStart())
            : new Cidr.Ip(
                subnet.size().compareTo(BigInteger.TWO) > 0
                    ? subnet.network().add(BigInteger.ONE)
                    : subnet.network(),
                subnet.bits());
    BigInteger lastDefault =
        subnet.bits() == 32 && subnet.size().compareTo(BigInteger.TWO) > 0
            ? subnet.last().subtract(BigInteger.ONE)
            : subnet.last();
    Cidr.Ip last =
        ipam.rangeEnd() != null
            ? Cidr.Ip.parse(ipam.rangeEnd())
            : new Cidr.Ip(lastDefault, subnet.bits());
    return new Range(first, last);
  }

  private static Range clip(Cidr block, Range net) {
    BigInteger lo = block.network().max(net.first.value());
    BigInteger hi = block.last().min(net.last.value());
    if (lo.compareTo(hi) > 0) return null;
    return new Range(new Cidr.Ip(lo, block.bits()), new Cidr.Ip(hi, block.bits()));
  }
}
