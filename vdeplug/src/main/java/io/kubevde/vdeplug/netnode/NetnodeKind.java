package io.kubevde.vdeplug.netnode;

import java.util.function.Function;

/**
 * The four netnode kinds of vdeplug4 (vde-protocols.md §6.2, §7), each a scheme and a forwarding
 * policy over the one {@link Netnode} engine.
 */
public enum NetnodeKind {
  /** {@code hub://}: floods every frame to every other port and the host. */
  HUB("hub", c -> new HubPolicy()),
  /**
   * {@code switch://}: learning switch keyed by (MAC, 12-bit VLAN), aging per {@link
   * NetnodeConfig}.
   */
  SWITCH(
      "switch",
      c ->
          new SwitchPolicy(
              new MacTable<>(
                  c.hashSize(), c.hashSeed(), c.expireSeconds(), MacTable.SYSTEM_CLOCK))),
  /** {@code multi://}: ports to host only; host to every port (hand-off). */
  MULTI("multi", c -> new MultiPolicy(c.dedupMillis())),
  /** {@code bonding://}: ports to host only; host to one port, round-robin. */
  BONDING("bonding", c -> new BondingPolicy(c.healthMillis()));

  private final String scheme;
  private final Function<NetnodeConfig, ForwardingPolicy> factory;

  NetnodeKind(String scheme, Function<NetnodeConfig, ForwardingPolicy> factory) {
    this.scheme = scheme;
    this.factory = factory;
  }

  /** The VNL scheme, e.g. {@code "switch"}. */
  public String scheme() {
    return scheme;
  }

  /** A fresh policy for a node with {@code config}. */
  public ForwardingPolicy newPolicy(NetnodeConfig config) {
    return factory.apply(config);
  }
}
