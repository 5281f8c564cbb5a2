package io.kubevde.agent.dataplane;

import io.kubevde.api.net.Cidr;
import java.util.ArrayList;
import java.util.List;

/**
 * How this node runs the gateways of egress networks ({@code spec.egress.mode: nat};
 * agent/README.md "Egress").
 *
 * @param denyCidrs IPv4 destinations tenants never reach through a gateway, besides the built-in
 *     {@link #ALWAYS_DENIED} (the agent flag {@code --egress-deny-cidrs}, chart {@code
 *     agent.egress.denyCidrs}: typically the cluster's pod and service CIDRs)
 * @param nodeNetns the network namespace the gateways and their nftables rules live in (its path,
 *     {@code /var/run/netns/NAME}), or null for the agent's own (a host-network agent: the node's);
 *     tests that run several "nodes" in one process give each its own
 */
public record EgressSettings(List<String> denyCidrs, String nodeNetns) {
  /**
   * Destinations always denied: IPv4 link-local, where clouds serve instance metadata and
   * credentials (169.254.169.254).
   */
  public static final List<String> ALWAYS_DENIED = List.of("169.254.0.0/16");

  /** No extra denied destinations; gateways in the agent's own netns. */
  public static final EgressSettings DEFAULT = new EgressSettings(List.of(), null);

  /**
   * Checks every CIDR (IPv4 only: masquerade is IPv4) and normalises it to its network form.
   *
   * @throws IllegalArgumentException naming a CIDR that is not IPv4
   */
  public EgressSettings {
    List<String> out = new ArrayList<>();
    for (String c : denyCidrs == null ? List.<String>of() : denyCidrs) {
      if (c == null || c.isBlank()) continue;
      Cidr cidr = Cidr.parseNetwork(c.strip());
      if (cidr.v6()) throw new IllegalArgumentException("egress deny CIDR " + c + " is not IPv4");
      out.add(cidr.toString());
    }
    denyCidrs = List.copyOf(out);
  }

  /**
   * @param commaList CIDRs separated by commas (null or blank = none)
   * @return settings with those denied CIDRs, gateways in the agent's netns
   */
  public static EgressSettings parse(String commaList) {
    return new EgressSettings(commaList == null ? List.of() : List.of(commaList.split(",")), null);
  }

  /**
   * @return every denied destination: {@link #ALWAYS_DENIED} then {@link #denyCidrs}
   */
  public List<String> allDenied() {
    List<String> all = new ArrayList<>(ALWAYS_DENIED);
    all.addAll(denyCidrs);
    return List.copyOf(all);
  }
}
