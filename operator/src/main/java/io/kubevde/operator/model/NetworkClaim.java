package io.kubevde.operator.model;

import java.time.Instant;
import java.util.Comparator;

/**
 * What one VdeNetwork holds or asks for, as seen by the allocator: its effective VNI, group and
 * subnet.
 *
 * @param key {@code namespace/name}
 * @param created creation time (older networks win conflicts)
 * @param vni the VNI it uses (user's or allocated), or null
 * @param group the multicast group it uses, or null
 * @param subnet its IPAM subnet (host-local only), or null
 */
public record NetworkClaim(String key, Instant created, Integer vni, String group, String subnet) {
  /** Older first; ties broken by key so every operator replica orders claims the same way. */
  public static final Comparator<NetworkClaim> AGE =
      Comparator.comparing(NetworkClaim::created, Comparator.nullsLast(Comparator.naturalOrder()))
          .thenComparing(NetworkClaim::key);

  /**
   * @return true if this claim is older than (wins over) {@code o}
   */
  public boolean olderThan(NetworkClaim o) {
    return AGE.compare(this, o) < 0;
  }
}
