package io.kubevde.operator.network;

import io.javaoperatorsdk.operator.api.reconciler.ResourceCache;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNetworkStatus;
import io.kubevde.operator.model.Allocation;
import io.kubevde.operator.model.AllocationPolicy;
import io.kubevde.operator.model.Allocator;
import io.kubevde.operator.model.IpamPlan;
import io.kubevde.operator.model.NetworkClaim;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cluster-unique VNI and multicast group for a network ({@link Allocator} over the claims of every
 * other network in the controller's cache), with this process' {@link Reservations} covering status
 * patches still in flight. Thread-safe: allocations are serialized.
 */
final class NetworkAllocator {
  private final Allocator allocator;
  private final Reservations reservations = new Reservations();

  /**
   * @param policy VNI and group pools
   */
  NetworkAllocator(AllocationPolicy policy) {
    this.allocator = new Allocator(policy);
  }

  /**
   * @param n the network
   * @param hostLocalSubnet its valid host-local subnet (checked for overlaps) or null
   * @param networks every VdeNetwork in the cache
   * @return the allocation (effective values and problems), also reserved for {@code n}
   */
  Allocation allocate(VdeNetwork n, String hostLocalSubnet, ResourceCache<VdeNetwork> networks) {
    String key = VdeNetworkReconciler.key(n);
    VdeNetworkSpec spec = spec(n);
    VdeNetworkStatus prev = n.getStatus();
    Transport transport = spec.effectiveTransport();
    NetworkClaim self =
        new NetworkClaim(key, created(n), spec.vni(), spec.group(), hostLocalSubnet);
    NetworkClaim previous =
        prev == null ? null : new NetworkClaim(key, created(n), prev.vni(), prev.group(), null);
    synchronized (allocator) {
      Allocation a =
          allocator.allocate(
              self,
              previous,
              transport != Transport.LOCAL,
              transport == Transport.VXVDE || transport == Transport.VXLAN,
              claimsOfOthers(networks, n));
      reservations.put(
          n.getMetadata().getUid(),
          new NetworkClaim(key, created(n), a.vni(), a.group(), hostLocalSubnet));
      return a;
    }
  }

  /** Forgets this process' reservation of a deleted network ({@code namespace/name}). */
  void release(String key) {
    reservations.remove(key);
  }

  /**
   * Claims of every other network: effective values from spec/status, overridden by this process'
   * reservations.
   */
  private List<NetworkClaim> claimsOfOthers(ResourceCache<VdeNetwork> networks, VdeNetwork self) {
    Map<String, NetworkClaim> byKey = new HashMap<>();
    Map<String, String> uidOfKey = new HashMap<>();
    networks
        .list()
        .forEach(
            o -> {
              if (o.getMetadata().getUid().equals(self.getMetadata().getUid())) return;
              VdeNetworkSpec s = spec(o);
              VdeNetworkStatus st = o.getStatus();
              boolean hostLocal =
                  s.ipam() != null
                      && s.ipam().effectiveType() == IpamType.HOST_LOCAL
                      && IpamPlan.validate(s.ipam()) == null;
              Integer vni = s.vni() != null ? s.vni() : st == null ? null : st.vni();
              String group = s.group() != null ? s.group() : st == null ? null : st.group();
              String key = VdeNetworkReconciler.key(o);
              byKey.put(
                  key,
                  new NetworkClaim(
                      key, created(o), vni, group, hostLocal ? s.ipam().subnet() : null));
              uidOfKey.put(key, o.getMetadata().getUid());
            });
    // this process' latest decisions win over a cache that may not show the status patch yet
    reservations
        .all()
        .forEach(
            (k, e) -> {
              NetworkClaim cached = byKey.get(k);
              if (cached == null || !e.uid().equals(uidOfKey.get(k))) return;
              NetworkClaim r = e.claim();
              byKey.put(
                  k,
                  new NetworkClaim(
                      k,
                      cached.created(),
                      r.vni() != null ? r.vni() : cached.vni(),
                      r.group() != null ? r.group() : cached.group(),
                      cached.subnet()));
            });
    return new ArrayList<>(byKey.values());
  }

  /**
   * @return the network's spec, or an all-defaults spec when it has none
   */
  static VdeNetworkSpec spec(VdeNetwork n) {
    return n.getSpec() == null
        ? new VdeNetworkSpec(null, null, null, null, null, null, null, null, null, null)
        : n.getSpec();
  }

  private static Instant created(VdeNetwork n) {
    String ts = n.getMetadata().getCreationTimestamp();
    return ts == null ? Instant.now() : Instant.parse(ts);
  }
}
