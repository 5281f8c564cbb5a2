package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How pods of a {@link VdeNetwork} reach addresses outside it ({@code spec.egress.mode}). */
public enum EgressMode {
  /** No gateway: the network is a closed L2 segment (the default). */
  @JsonProperty("none")
  NONE,
  /**
   * Every node runs the network's gateway address and masquerades the network's IPv4 subnet to the
   * node's own address (kernel nftables; agent/README.md "Egress").
   */
  @JsonProperty("nat")
  NAT
}
