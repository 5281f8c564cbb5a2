package io.kubevde.operator.model;

import io.kubevde.api.net.Cidr;

/**
 * Pools the operator allocates from (operator configuration).
 *
 * @param vniFirst first VNI handed out automatically (user values may be anywhere in 1..16777215)
 * @param vniLast last VNI handed out automatically
 * @param groupPool IPv4 or IPv6 multicast prefix groups are allocated from (its first address is
 *     skipped)
 */
public record AllocationPolicy(int vniFirst, int vniLast, Cidr groupPool) {
  /**
   * Defaults: VNIs 4096..16777215 (below 4096 left for hand-picked values), groups from
   * 239.77.0.0/16.
   */
  public static AllocationPolicy defaults() {
    return new AllocationPolicy(4096, 16_777_215, Cidr.parseNetwork("239.77.0.0/16"));
  }

  /**
   * @throws IllegalArgumentException if the ranges are empty or out of the VNI space
   */
  public AllocationPolicy {
    if (vniFirst < 1 || vniLast > 16_777_215 || vniFirst > vniLast) {
      throw new IllegalArgumentException("bad VNI range " + vniFirst + ".." + vniLast);
    }
  }
}
