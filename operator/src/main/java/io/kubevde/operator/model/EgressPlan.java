package io.kubevde.operator.model;

import io.kubevde.api.net.Cidr;
import io.kubevde.api.v1alpha1.IpamRoute;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code spec.egress} means for the agents (pure code): the checks the schema cannot express,
 * the gateway address every node runs and the routes pods get (operator/README.md "Egress").
 */
public final class EgressPlan {
  /** The IPv4 default route's destination. */
  public static final String DEFAULT_ROUTE = "0.0.0.0/0";

  private EgressPlan() {}

  /**
   * Checks {@code egress: nat} against the IPAM: it needs host-local IPAM whose primary subnet is
   * IPv4 (masquerade is IPv4 only) and a gateway that is a host address of the subnet (neither its
   * network nor its broadcast address). Run after {@link IpamPlan#validate} succeeded.
   *
   * @param spec the network's spec
   * @return an error message, or null when valid (also when egress is off)
   */
  public static String validate(VdeNetworkSpec spec) {
    if (!spec.egressNat()) return null;
    if (spec.ipam() == null
        || spec.ipam().effectiveType() != IpamType.HOST_LOCAL
        || spec.ipam().subnet() == null)
      return "egress.mode nat needs ipam of type host-local with an IPv4 subnet";
    Cidr subnet = Cidr.parseNetwork(spec.ipam().subnet());
    if (subnet.v6())
      return "egress.mode nat masquerades IPv4 only: the primary subnet "
          + spec.ipam().subnet()
          + " is IPv6";
    if (subnet.prefix() > 30)
      return "egress.mode nat needs a subnet of at least 4 addresses (/30), got "
          + spec.ipam().subnet();
    BigInteger gw = Cidr.Ip.parse(gateway(spec)).value();
    if (gw.equals(subnet.network()) || gw.equals(subnet.last()))
      return "egress gateway "
          + gateway(spec)
          + " is the network or broadcast address of "
          + spec.ipam().subnet();
    return null;
  }

  /**
   * @param spec a network with host-local IPAM
   * @return the gateway address: {@code ipam.gateway}, else, when egress is on, the subnet's first
   *     host address; null without egress and without {@code ipam.gateway}
   */
  public static String gateway(VdeNetworkSpec spec) {
    if (spec.ipam().gateway() != null || !spec.egressNat()) return spec.ipam().gateway();
    Cidr subnet = Cidr.parseNetwork(spec.ipam().subnet());
    return subnet.at(BigInteger.ONE).toString();
  }

  /**
   * @param spec a network with host-local IPAM
   * @return {@code ipam.routes} plus, when egress is on with {@code defaultRoute} (the default) and
   *     the user listed no default route, {@value #DEFAULT_ROUTE} via the gateway
   */
  public static List<IpamRoute> routes(VdeNetworkSpec spec) {
    List<IpamRoute> out = new ArrayList<>(spec.ipam().effectiveRoutes());
    if (spec.egressNat()
        && spec.egress().effectiveDefaultRoute()
        && out.stream().noneMatch(r -> Cidr.parseNetwork(r.dst()).toString().equals(DEFAULT_ROUTE)))
      out.add(new IpamRoute(DEFAULT_ROUTE, null));
    return out;
  }
}
