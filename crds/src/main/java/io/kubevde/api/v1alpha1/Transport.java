package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a {@link VdeNetwork}'s nodes reach each other (architecture.md §3-4). */
public enum Transport {
  /** vxvde over an IPv4/IPv6 multicast group (vde-protocols.md vxvde); the default. */
  @JsonProperty("vxvde")
  VXVDE,
  /**
   * vxvde wire format, broadcast/unknown frames replicated to the node address list (clouds without
   * multicast).
   */
  @JsonProperty("vxvde-unicast")
  VXVDE_UNICAST,
  /**
   * RFC 7348 VXLAN over a multicast group (vde-protocols.md §4.3), wire-compatible with the Linux
   * kernel's vxlan device and hardware VTEPs (UDP port 4789 by default): they can join the network.
   */
  @JsonProperty("vxlan")
  VXLAN,
  /** A switch on each node with no uplink: pods on the same node only. */
  @JsonProperty("local")
  LOCAL;

  /**
   * @return the value as written in YAML ({@code vxvde-unicast})
   */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
