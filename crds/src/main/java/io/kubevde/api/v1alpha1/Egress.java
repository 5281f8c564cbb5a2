package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Egress of a {@link VdeNetwork} ({@code spec.egress}; crds/README.md "Egress"): with {@code mode:
 * nat} every node the network spans answers on the network's gateway address (the same address and
 * MAC on every node, each node's own gateway serving its own pods) and masquerades the network's
 * IPv4 subnet to the node's address. Needs {@code ipam} of type host-local with an IPv4 subnet; the
 * gateway is {@code ipam.gateway}, else the subnet's first address.
 *
 * @param mode none (default) or nat
 * @param defaultRoute whether pods get a default route via the gateway (default true); false: only
 *     the routes of {@code ipam.routes} use it (a pod whose default route is its cluster interface,
 *     Multus secondary networks)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Egress(
    @JsonPropertyDescription(
            "none (default) or nat: the network's gateway on every node masquerades its IPv4"
                + " subnet to the node's address")
        EgressMode mode,
    @JsonPropertyDescription(
            "Pods get a default route via the gateway (default true); false: only ipam.routes"
                + " use it")
        Boolean defaultRoute) {

  /**
   * @return the mode, {@link EgressMode#NONE} when unset
   */
  public EgressMode effectiveMode() {
    return mode == null ? EgressMode.NONE : mode;
  }

  /**
   * @return whether pods get a default route via the gateway (true when unset)
   */
  public boolean effectiveDefaultRoute() {
    return defaultRoute == null || defaultRoute;
  }
}
