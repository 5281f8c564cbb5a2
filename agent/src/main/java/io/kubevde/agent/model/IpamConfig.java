package io.kubevde.agent.model;

import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentSubnet;
import io.kubevde.api.net.Cidr;
import io.kubevde.api.v1alpha1.IpamRoute;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.cni.protocol.Json;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code ipam} object of a kubevde network config, the same fields as VdeNetwork {@code
 * spec.ipam} (architecture.md §4): {@code subnet} (CIDR), optional {@code rangeStart}/{@code
 * rangeEnd} (default: the subnet without its first address and, for IPv4, its broadcast), {@code
 * gateway} (never allocated), {@code exclude} (list of addresses or CIDRs never allocated), {@code
 * routes} ({@code [{"dst": CIDR, "gw": IP}]}). {@code "type": "none"} (or no {@code subnet}) means
 * pure L2: no addresses. Other {@code type} values are accepted and ignored — the agent is the
 * allocator (host-local-like, state on the node's disk).
 *
 * @param subnet the subnet, or {@code null} for no addresses
 * @param rangeStart first allocatable address
 * @param rangeEnd last allocatable address
 * @param gateway the gateway address or {@code null}
 * @param exclude excluded prefixes
 * @param routes routes to install and report: each {@code Map} with {@code dst} and optional {@code
 *     gw}
 * @param otherNodes the address blocks of the other nodes of an operator network (a requested
 *     static address inside one is refused); empty for a CNI config's own IPAM
 * @param blockRange an operator network's allocation range, the part of the subnet node blocks are
 *     cut from (node name {@code *}): a static address inside it but outside this node's block
 *     would be handed out by the node that gets that block later, so it is refused; null for a CNI
 *     config's own IPAM
 * @param additional the subnets of the other address family (dual-stack: at most one per family
 *     besides this one), each a complete IPAM of its own (range, gateway, exclusions, blocks) whose
 *     own {@code routes} and {@code additional} are empty; a pod gets one address of each
 */
public record IpamConfig(
    Cidr subnet,
    BigInteger rangeStart,
    BigInteger rangeEnd,
    Cidr gateway,
    List<Cidr> exclude,
    List<Map<String, Object>> routes,
    List<Block> otherNodes,
    Block blockRange,
    List<IpamConfig> additional) {

  /** Null lists read as empty ones. */
  public IpamConfig {
    additional = additional == null ? List.of() : List.copyOf(additional);
  }

  /** A single-subnet IPAM. */
  public IpamConfig(
      Cidr subnet,
      BigInteger rangeStart,
      BigInteger rangeEnd,
      Cidr gateway,
      List<Cidr> exclude,
      List<Map<String, Object>> routes,
      List<Block> otherNodes,
      Block blockRange) {
    this(subnet, rangeStart, rangeEnd, gateway, exclude, routes, otherNodes, blockRange, List.of());
  }

  /** An IPAM without the network-wide block range. */
  public IpamConfig(
      Cidr subnet,
      BigInteger rangeStart,
      BigInteger rangeEnd,
      Cidr gateway,
      List<Cidr> exclude,
      List<Map<String, Object>> routes,
      List<Block> otherNodes) {
    this(subnet, rangeStart, rangeEnd, gateway, exclude, routes, otherNodes, null);
  }

  /**
   * @return every subnet's IPAM that hands out addresses: this one (when it has a subnet), then the
   *     {@link #additional} ones; a pod gets one address from each
   */
  public List<IpamConfig> families() {
    List<IpamConfig> out = new ArrayList<>();
    if (subnet != null) out.add(this);
    for (IpamConfig a : additional) if (a.subnet() != null) out.add(a);
    return out;
  }

  /**
   * @param v6 the address family
   * @return the IPAM of that family's subnet, or null when there is none
   */
  public IpamConfig family(boolean v6) {
    for (IpamConfig f : families()) if (f.subnet().v6() == v6) return f;
    return null;
  }

  /**
   * @param v6 the address family
   * @return the gateway of that family's subnet, or null
   */
  public Cidr gateway(boolean v6) {
    IpamConfig f = family(v6);
    if (f != null) return f.gateway();
    return gateway != null && gateway.v6() == v6 ? gateway : null; // a delegated plugin's
  }

  /**
   * One node's address block (inclusive bounds).
   *
   * @param node the node name
   * @param start first address
   * @param end last address
   */
  public record Block(String node, BigInteger start, BigInteger end) {
    /** Whether {@code ip} is inside the block. */
    public boolean contains(BigInteger ip) {
      return ip.compareTo(start) >= 0 && ip.compareTo(end) <= 0;
    }
  }

  /** An IPAM without other nodes' blocks (a CNI config's own). */
  public IpamConfig(
      Cidr subnet,
      BigInteger rangeStart,
      BigInteger rangeEnd,
      Cidr gateway,
      List<Cidr> exclude,
      List<Map<String, Object>> routes) {
    this(subnet, rangeStart, rangeEnd, gateway, exclude, routes, List.of());
  }

  /** A copy with {@code routes}. */
  public IpamConfig withRoutes(List<Map<String, Object>> r) {
    return new IpamConfig(
        subnet, rangeStart, rangeEnd, gateway, exclude, r, otherNodes, blockRange, additional);
  }

  /**
   * Parses the object.
   *
   * @throws io.kubevde.cni.protocol.CniError.Failure code 7 naming the bad key
   */
  @SuppressWarnings("unchecked")
  public static IpamConfig parse(Map<String, Object> m) {
    String type = NetConf.str(m, "type");
    String subnetText = NetConf.str(m, "subnet");
    List<Map<String, Object>> routes = new ArrayList<>();
    if (m.get("routes") instanceof List<?> l) {
      for (Object o : l) {
        if (!(o instanceof Map<?, ?> r) || !(r.get("dst") instanceof String dst))
          throw NetConf.invalid("ipam.routes entries need a 'dst' string: " + Json.write(o));
        cidr(dst, "ipam.routes[].dst");
        if (r.get("gw") != null) cidr(String.valueOf(r.get("gw")), "ipam.routes[].gw");
        routes.add((Map<String, Object>) r);
      }
    } else if (m.get("routes") != null) {
      throw NetConf.invalid("'ipam.routes' must be a list");
    }
    if ("none".equals(type))
      return new IpamConfig(null, null, null, null, List.of(), List.copyOf(routes));
    List<IpamConfig> subnets = new ArrayList<>();
    if (subnetText != null) subnets.add(one(m, "ipam"));
    if (m.get("subnets") instanceof List<?> l) {
      for (int i = 0; i < l.size(); i++) {
        if (!(l.get(i) instanceof Map<?, ?> e) || !(e.get("subnet") instanceof String))
          throw NetConf.invalid(
              "ipam.subnets entries need a 'subnet' string: " + Json.write(l.get(i)));
        subnets.add(one((Map<String, Object>) e, "ipam.subnets[" + i + "]"));
      }
    } else if (m.get("subnets") != null) {
      throw NetConf.invalid("'ipam.subnets' must be a list");
    }
    if (subnets.isEmpty())
      return new IpamConfig(null, null, null, null, List.of(), List.copyOf(routes));
    if (subnets.size() > 2
        || (subnets.size() == 2 && subnets.get(0).subnet().v6() == subnets.get(1).subnet().v6()))
      throw NetConf.invalid("ipam: at most one subnet per address family (one IPv4, one IPv6)");
    IpamConfig first = subnets.getFirst();
    return new IpamConfig(
        first.subnet(),
        first.rangeStart(),
        first.rangeEnd(),
        first.gateway(),
        first.exclude(),
        List.copyOf(routes),
        List.of(),
        null,
        subnets.subList(1, subnets.size()));
  }

  /** One subnet's settings ({@code subnet}, range, gateway, exclude) of object {@code m}. */
  private static IpamConfig one(Map<String, Object> m, String where) {
    String subnetText = NetConf.str(m, "subnet");
    Cidr subnet = cidr(subnetText, where + ".subnet");
    BigInteger start = subnet.network().add(BigInteger.ONE);
    BigInteger end = subnet.v6() ? subnet.last() : subnet.last().subtract(BigInteger.ONE);
    if (NetConf.str(m, "rangeStart") != null)
      start = inside(subnet, NetConf.str(m, "rangeStart"), where + ".rangeStart");
    if (NetConf.str(m, "rangeEnd") != null)
      end = inside(subnet, NetConf.str(m, "rangeEnd"), where + ".rangeEnd");
    if (start.compareTo(end) > 0)
      throw NetConf.invalid(where + ".rangeStart is after " + where + ".rangeEnd");
    Cidr gw = null;
    if (NetConf.str(m, "gateway") != null)
      gw = subnet.with(inside(subnet, NetConf.str(m, "gateway"), where + ".gateway"));
    List<Cidr> exclude = new ArrayList<>();
    if (m.get("exclude") instanceof List<?> l) {
      for (Object o : l) exclude.add(cidr(String.valueOf(o), where + ".exclude"));
    }
    return new IpamConfig(subnet, start, end, gw, List.copyOf(exclude), List.of());
  }

  /**
   * The IPAM a node uses for an operator network: the subnet with this node's block as the range
   * (so nodes never hand out the same address: the block's {@code cidr}, narrowed by its {@code
   * rangeStart}/{@code rangeEnd}), gateway and exclusions, the network's routes; a dual-stack
   * network's other subnet the same way ({@link #additional}).
   *
   * @param net the operator's config
   * @param node this node's name (key of {@code nodeRanges})
   * @return the IPAM, or null when the operator gave no host-local IPAM
   * @throws IllegalArgumentException when an address in the config is not one
   */
  public static IpamConfig forNode(AgentNetworkConfig net, String node) {
    if (!net.hostLocal()) return null;
    IpamConfig primary =
        forNode(
            net.subnet(),
            net.gateway(),
            net.exclude(),
            net.rangeStart(),
            net.rangeEnd(),
            net.nodeRanges(),
            node);
    List<IpamConfig> more = new ArrayList<>();
    for (AgentSubnet sub : net.subnets()) {
      more.add(
          forNode(
              sub.subnet(),
              sub.gateway(),
              sub.exclude(),
              sub.rangeStart(),
              sub.rangeEnd(),
              sub.nodeRanges(),
              node));
    }
    // spec.ipam.routes: next hop gw, else the gateway of the destination's family (routeLine)
    List<Map<String, Object>> routes = new ArrayList<>();
    for (IpamRoute r : net.routes()) {
      Map<String, Object> m = new java.util.LinkedHashMap<>();
      m.put("dst", r.dst());
      if (r.gw() != null) m.put("gw", r.gw());
      routes.add(m);
    }
    return new IpamConfig(
        primary.subnet(),
        primary.rangeStart(),
        primary.rangeEnd(),
        primary.gateway(),
        primary.exclude(),
        List.copyOf(routes),
        primary.otherNodes(),
        primary.blockRange(),
        more);
  }

  /** One subnet of an operator network reduced to {@code node}'s block. */
  private static IpamConfig forNode(
      String subnetText,
      String gateway,
      List<String> exclude,
      String rangeStart,
      String rangeEnd,
      Map<String, NodeRange> nodeRanges,
      String node) {
    Cidr subnet = Cidr.parse(subnetText);
    Block own = block(subnet, node, nodeRanges.get(node));
    List<Block> others = new ArrayList<>();
    nodeRanges.forEach(
        (n, r) -> {
          if (!n.equals(node) && r != null) others.add(block(subnet, n, r));
        });
    Cidr gw = gateway == null ? null : subnet.with(Cidr.parse(gateway).address());
    List<Cidr> ex = new ArrayList<>();
    for (String e : exclude) ex.add(Cidr.parse(e));
    // the range node blocks are cut from (operator IpamPlan: spec rangeStart..rangeEnd, default the
    // subnet without its first and, for IPv4, last address)
    BigInteger first =
        rangeStart != null
            ? Cidr.parse(rangeStart).address()
            : subnet.network().add(BigInteger.ONE);
    BigInteger last =
        rangeEnd != null
            ? Cidr.parse(rangeEnd).address()
            : subnet.v6() ? subnet.last() : subnet.last().subtract(BigInteger.ONE);
    return new IpamConfig(
        subnet,
        own.start(),
        own.end(),
        gw,
        List.copyOf(ex),
        List.of(),
        List.copyOf(others),
        new Block("*", first, last));
  }

  /**
   * A node's block: its {@code cidr} clipped to the subnet's host range, narrowed by {@code
   * rangeStart/End}.
   */
  private static Block block(Cidr subnet, String node, NodeRange block) {
    BigInteger start = subnet.network().add(BigInteger.ONE);
    BigInteger end = subnet.v6() ? subnet.last() : subnet.last().subtract(BigInteger.ONE);
    if (block != null) {
      if (block.cidr() != null) {
        Cidr b = Cidr.parse(block.cidr());
        start = start.max(b.network());
        end = end.min(b.last());
      }
      if (block.rangeStart() != null) start = Cidr.parse(block.rangeStart()).address();
      if (block.rangeEnd() != null) end = Cidr.parse(block.rangeEnd()).address();
    }
    return new Block(node, start, end);
  }

  /**
   * Why {@code ip}, requested as a static address, may not be used, or {@code null} when it may: it
   * must be inside the subnet (same family), not the subnet's network address nor (IPv4) its
   * broadcast address, not the gateway, not inside another node's block (that node hands it out),
   * and — for an operator network — either inside this node's block or outside the range node
   * blocks are cut from (or {@code exclude}d): an address of that range in no block yet would be
   * handed out by the node that gets its block later. Uniqueness on this node is the allocator's
   * reservation, across the cluster the {@code VdeAddressReservation}.
   */
  public String staticRefusal(Cidr ip) {
    if (subnet == null) return null;
    BigInteger a = ip.address();
    if (ip.v6() != subnet.v6() || !subnet.contains(a))
      return "requested address " + ip.ip() + " is outside the subnet " + subnet;
    if (a.equals(subnet.network()))
      return "requested address " + ip.ip() + " is the network address of " + subnet;
    if (!subnet.v6() && a.equals(subnet.last()))
      return "requested address " + ip.ip() + " is the broadcast address of " + subnet;
    if (gateway != null && gateway.address().equals(a))
      return "requested address " + ip.ip() + " is the gateway";
    for (Block b : otherNodes) {
      if (b.contains(a))
        return "requested address " + ip.ip() + " is inside node " + b.node() + "'s address block";
    }
    boolean own = a.compareTo(rangeStart) >= 0 && a.compareTo(rangeEnd) <= 0;
    if (blockRange != null
        && !own
        && blockRange.contains(a)
        && exclude.stream().noneMatch(c -> c.contains(a))) {
      return "requested address "
          + ip.ip()
          + " is inside the range node blocks are cut from ("
          + Cidr.format(blockRange.start(), subnet.v6())
          + "-"
          + Cidr.format(blockRange.end(), subnet.v6())
          + ") but not in this node's block ("
          + Cidr.format(rangeStart, subnet.v6())
          + "-"
          + Cidr.format(rangeEnd, subnet.v6())
          + "): the node that gets its block would hand it out; request one of this node's block,"
          + " or one outside the range or in ipam.exclude";
    }
    return null;
  }

  /** Whether addresses are allocated at all. */
  public boolean allocates() {
    return subnet != null;
  }

  /**
   * Whether {@code ip} may be handed out: inside the range, not the gateway, not excluded and, for
   * IPv4, its last octet is neither 0 nor 255. That last rule is the one users expect from a node's
   * block cut out of a larger subnet (the first address of {@code 10.79.16.0/20} inside {@code
   * 10.79.0.0/16} is a valid host address, but an interface called {@code 10.79.16.0} confuses
   * people and some tools treat {@code .0}/{@code .255} as network/broadcast addresses); it costs 2
   * addresses per 256.
   */
  public boolean allocatable(BigInteger ip) {
    if (ip.compareTo(rangeStart) < 0 || ip.compareTo(rangeEnd) > 0) return false;
    if (!subnet.v6()) {
      int last = ip.intValue() & 0xff;
      if (last == 0 || last == 255) return false;
    }
    if (gateway != null && gateway.address().equals(ip)) return false;
    for (Cidr c : exclude) {
      if (c.contains(ip)) return false;
    }
    return true;
  }

  private static Cidr cidr(String text, String key) {
    try {
      return Cidr.parse(text);
    } catch (IllegalArgumentException e) {
      throw NetConf.invalid("'" + key + "': " + e.getMessage());
    }
  }

  private static BigInteger inside(Cidr subnet, String text, String key) {
    Cidr c = cidr(text, key);
    if (c.v6() != subnet.v6() || !subnet.contains(c.address()))
      throw NetConf.invalid("'" + key + "' " + text + " is outside " + subnet);
    return c.address();
  }
}
