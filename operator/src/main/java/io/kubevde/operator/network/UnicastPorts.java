package io.kubevde.operator.network;

import io.javaoperatorsdk.operator.api.reconciler.ResourceCache;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.operator.model.Allocation;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * UDP ports of vxvde-unicast networks, unique in the cluster: each unicast network listens on its
 * port on every node it spans, so two such networks on one port cannot both run on a node (the
 * second bind fails).
 *
 * <p>A unicast network without {@code spec.port} gets the lowest free port from {@link #FIRST} up
 * (14789, 14790, …) and keeps it in {@code status.port} for its life; an explicit {@code spec.port}
 * is used as written, and one that an older unicast network (creation time, then namespace/name)
 * already uses is a {@code PortConflict}. Multicast vxvde networks share their port by design (each
 * joins its own group) and are not counted. A vxlan network uses its {@code spec.port} (default
 * 4789) and is a {@code PortConflict} when an older vxlan network has the same port. Like VNIs,
 * ports decided but not yet in the informer cache are kept in an in-process map so networks created
 * together get distinct ports.
 */
final class UnicastPorts {
  /** The first port handed out (vdeplug4's vxvde default). */
  static final int FIRST = VdeNetworkSpec.DEFAULT_PORT;

  private final Map<String, Integer> reserved = new ConcurrentHashMap<>();

  /**
   * Result.
   *
   * @param port the network's port (null for a local network)
   * @param problem a {@code PortConflict}, or null
   */
  record Result(Integer port, Allocation.Problem problem) {}

  /**
   * @param n the network
   * @param cache every VdeNetwork
   * @return its port, or a conflict
   */
  synchronized Result assign(VdeNetwork n, ResourceCache<VdeNetwork> cache) {
    VdeNetworkSpec spec = NetworkAllocator.spec(n);
    String key = VdeNetworkReconciler.key(n);
    Transport t = spec.effectiveTransport();
    if (t == Transport.LOCAL) return new Result(null, null);
    if (t == Transport.VXLAN) {
      reserved.remove(key);
      return new Result(spec.effectivePort(), vxlanConflict(n, spec.effectivePort(), cache));
    }
    if (t != Transport.VXVDE_UNICAST) {
      reserved.remove(key);
      return new Result(spec.effectivePort(), null);
    }
    Map<Integer, VdeNetwork> older = new java.util.HashMap<>();
    Set<Integer> taken = new HashSet<>();
    cache
        .list()
        .filter(o -> !VdeNetworkReconciler.key(o).equals(key))
        .filter(o -> !o.isMarkedForDeletion() || o.getMetadata().getFinalizers() != null)
        .filter(o -> NetworkAllocator.spec(o).effectiveTransport() == Transport.VXVDE_UNICAST)
        .sorted(
            Comparator.comparing(UnicastPorts::created).thenComparing(VdeNetworkReconciler::key))
        .forEach(
            o ->
                portOf(o)
                    .ifPresent(
                        p -> {
                          taken.add(p);
                          if (isOlder(o, n)) older.putIfAbsent(p, o);
                        }));
    if (spec.port() != null) {
      VdeNetwork other = older.get(spec.port());
      if (other != null) {
        reserved.remove(key);
        return new Result(
            spec.port(),
            new Allocation.Problem(
                "PortConflict",
                "UDP port "
                    + spec.port()
                    + " is already used by vxvde-unicast network "
                    + VdeNetworkReconciler.key(other)));
      }
      reserved.put(key, spec.port());
      return new Result(spec.port(), null);
    }
    Integer kept = reserved.get(key);
    if (kept == null && n.getStatus() != null) kept = n.getStatus().port();
    if (kept != null && !older.containsKey(kept)) {
      reserved.put(key, kept);
      return new Result(kept, null);
    }
    int p = FIRST;
    while (taken.contains(p) && p < 65535) p++;
    reserved.put(key, p);
    return new Result(p, null);
  }

  /**
   * A vxlan uplink binds its port without SO_REUSEADDR (one VXLAN endpoint per host and port, as
   * vdeplug4 and the kernel's VTEP: vde-protocols.md §4.3), so two vxlan networks on one port
   * cannot share a node: the younger one is a {@code PortConflict} (whatever their node selectors;
   * give it another {@code spec.port}, and the kernel VTEPs the same {@code dstport}).
   */
  private static Allocation.Problem vxlanConflict(
      VdeNetwork n, int port, ResourceCache<VdeNetwork> cache) {
    String key = VdeNetworkReconciler.key(n);
    return cache
        .list()
        .filter(o -> !VdeNetworkReconciler.key(o).equals(key))
        .filter(o -> !o.isMarkedForDeletion() || o.getMetadata().getFinalizers() != null)
        .filter(o -> NetworkAllocator.spec(o).effectiveTransport() == Transport.VXLAN)
        .filter(o -> NetworkAllocator.spec(o).effectivePort() == port)
        .filter(o -> isOlder(o, n))
        .min(Comparator.comparing(UnicastPorts::created).thenComparing(VdeNetworkReconciler::key))
        .map(
            o ->
                new Allocation.Problem(
                    "PortConflict",
                    "UDP port "
                        + port
                        + " is already used by vxlan network "
                        + VdeNetworkReconciler.key(o)
                        + " (one vxlan uplink per node and port: set spec.port)"))
        .orElse(null);
  }

  /** Forgets a deleted network's port. */
  void release(String key) {
    reserved.remove(key);
  }

  private Optional<Integer> portOf(VdeNetwork o) {
    VdeNetworkSpec s = NetworkAllocator.spec(o);
    if (s.port() != null) return Optional.of(s.port());
    Integer r = reserved.get(VdeNetworkReconciler.key(o));
    if (r != null) return Optional.of(r);
    return Optional.ofNullable(o.getStatus() == null ? null : o.getStatus().port());
  }

  private static Instant created(VdeNetwork n) {
    String c = n.getMetadata().getCreationTimestamp();
    return c == null ? Instant.MAX : Instant.parse(c);
  }

  private static boolean isOlder(VdeNetwork a, VdeNetwork b) {
    int c = created(a).compareTo(created(b));
    return c != 0 ? c < 0 : VdeNetworkReconciler.key(a).compareTo(VdeNetworkReconciler.key(b)) < 0;
  }
}
