package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.netnode.stp.Bpdu;
import io.kubevde.vdeplug.netnode.stp.SpanningTree;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A netnode's spanning tree (kubevde's answer to vde-2's FSTP, vde-protocols.md §9.2): wires a
 * {@link SpanningTree} to the node's ports. BPDUs (frames to {@code 01:80:c2:00:00:00}) are
 * consumed while it is on, never forwarded; a BPDU from an edge port (a pod) or a malformed one is
 * dropped and counted; data frames neither enter nor leave a port the tree blocks (counted per
 * port, {@link NetnodePort#blockedDrops()}); a topology change flushes the MACs learned on the
 * other tree ports ({@link ForwardingPolicy#flushPort}).
 *
 * <p>Ports are keyed by number (the several "cables" of one vde_switch port share its state). Each
 * port is an edge port or a tree port: given when it is attached ({@link Netnode#addPort(
 * io.kubevde.vdeplug.Plug, String, PortLimits, boolean)}), {@link
 * LoopProtectionConfig#clientsAreEdge()} for rendezvous clients, or set later with {@link
 * #setEdge}. Turned off ({@link #setEnabled}), every port forwards and BPDUs are plain multicast
 * frames again (vde-2 without {@code -F}). All methods are thread-safe (the node's forwarding
 * lock).
 */
public final class LoopProtection {
  private final Netnode node;
  private final LoopProtectionConfig config;
  private final SpanningTree tree;
  private final ByteBuffer out = ByteBuffer.allocateDirect(64);
  private static final long SELF_PID = ProcessHandle.current().pid();
  private final Map<Integer, Boolean> edge = new HashMap<>();
  private final Set<Integer> blocked = new HashSet<>();
  private volatile boolean enabled;
  private long malformed;
  private long bpduOnEdgeTotal;
  private long blockedInGone;
  private long blockedOutGone;

  LoopProtection(Netnode node, LoopProtectionConfig config) {
    this.node = node;
    this.config = config;
    this.tree =
        new SpanningTree(
            SpanningTree.bridgeId(config.priority(), config.mac()),
            config.timers(),
            new SpanningTree.Actions() {
              @Override
              public void send(int port, Bpdu bpdu) {
                transmit(port, bpdu);
              }

              @Override
              public void forwarding(int port, boolean forwarding) {
                if (forwarding) blocked.remove(port);
                else blocked.add(port);
                for (NetnodePort p : node.portArray())
                  if (p.id() == port) p.setBlocked(!forwarding);
              }

              @Override
              public void flush(int port) {
                for (NetnodePort p : node.portArray())
                  if (p.id() == port) node.policy().flushPort(p);
              }
            });
  }

  static long nowMillis() {
    return System.nanoTime() / 1_000_000L;
  }

  private void transmit(int port, Bpdu bpdu) {
    bpdu.encode(config.mac(), out);
    for (NetnodePort p : node.portArray()) {
      if (p.id() == port) {
        out.position(0);
        p.transmit(out);
      }
    }
  }

  /** The settings. */
  public LoopProtectionConfig config() {
    return config;
  }

  /** Whether the tree runs (vde-2's {@code fstp/setfstp}). */
  public boolean enabled() {
    return enabled;
  }

  /**
   * Turns the tree on (every port joins: tree ports start discarding) or off (every port forwards).
   */
  public void setEnabled(boolean on) {
    node.lock().lock();
    try {
      if (on == enabled) return;
      enabled = on;
      long now = nowMillis();
      if (on) {
        for (NetnodePort p : node.portArray()) join(p, now);
      } else {
        for (var v : tree.ports()) tree.removePort(v.id(), now);
        blocked.clear();
        for (NetnodePort p : node.portArray()) p.setBlocked(false);
      }
    } finally {
      node.lock().unlock();
    }
  }

  private boolean edgeOf(NetnodePort p) {
    Boolean e = edge.get(p.id());
    if (e != null) return e;
    if (!(p instanceof UnixClientPort)) return false;
    String prefix = config.treeClientPrefix();
    if (prefix != null
        && p.description().startsWith(prefix)
        && p instanceof UnixClientPort u
        && u.peerPid() == SELF_PID) return false;
    return config.clientsAreEdge();
  }

  private void join(NetnodePort p, long now) {
    if (tree.hasPort(p.id())) {
      p.setBlocked(blocked.contains(p.id())); // another cable of a known port
    } else {
      tree.addPort(p.id(), edgeOf(p), now);
    }
  }

  /** Called by the node (lock held) when a port attached; {@code isEdge} null = default. */
  void portAdded(NetnodePort p, Boolean isEdge) {
    if (isEdge != null) edge.put(p.id(), isEdge);
    if (enabled) join(p, nowMillis());
  }

  /** Called by the node (lock held) when a port left: the tree forgets it with its last cable. */
  void portRemoved(NetnodePort p) {
    long[] d = p.blockedDrops();
    blockedInGone += d[0];
    blockedOutGone += d[1];
    for (NetnodePort q : node.portArray()) if (q.id() == p.id()) return;
    if (enabled) tree.removePort(p.id(), nowMillis());
  }

  /**
   * Called by the node (lock held) for every frame entering a port: true when the frame is consumed
   * (a BPDU, valid or not) or dropped (the source port is blocked).
   */
  boolean consume(NetnodePort source, ByteBuffer frame) {
    if (!enabled || source instanceof HostPort) return false;
    if (Bpdu.isBpduAddress(frame)) {
      Optional<Bpdu> b = Bpdu.decode(frame);
      if (b.isEmpty()) malformed++;
      else if (!tree.hasPort(source.id())) malformed++;
      else {
        long before = tree.port(source.id()).bpduOnEdge();
        tree.receive(source.id(), b.get(), nowMillis());
        var v = tree.port(source.id());
        if (v != null && v.bpduOnEdge() > before) bpduOnEdgeTotal++;
      }
      return true;
    }
    if (source.blocked()) {
      source.countBlockedIn();
      return true;
    }
    return false;
  }

  /** Called by the node's ticker (lock held). */
  void tick() {
    if (enabled) tree.tick(nowMillis());
  }

  /** Makes port {@code id} an edge port (true) or a tree port (vde-2's {@code fstp/setedge}). */
  public void setEdge(int id, boolean isEdge) {
    node.lock().lock();
    try {
      edge.put(id, isEdge);
      if (enabled) tree.setEdge(id, isEdge, nowMillis());
    } finally {
      node.lock().unlock();
    }
  }

  /**
   * Sets port {@code id}'s path cost (1..2^32-1).
   *
   * @return false when the port is not in the tree (unknown, or the tree is off)
   */
  public boolean setCost(int id, long cost) {
    node.lock().lock();
    try {
      if (!tree.hasPort(id)) return false;
      tree.setCost(id, cost, nowMillis());
      return true;
    } finally {
      node.lock().unlock();
    }
  }

  /**
   * A snapshot for consoles and metrics.
   *
   * @param bridgeId this bridge's id
   * @param rootId the root's id
   * @param rootCost path cost to the root
   * @param rootPort root port number, -1 when this bridge is the root
   * @param topologyChanges topology changes seen
   * @param malformedBpdus BPDUs dropped as malformed (or from a port not in the tree)
   * @param bpduOnEdge BPDUs dropped because they came from an edge port (a pod)
   * @param ports per-port role, state and BPDU counters
   * @param blockedIn data frames dropped on entry because their port was blocked (every port the
   *     node had)
   * @param blockedOut data frames not delivered to a port because it was blocked
   */
  public record Status(
      boolean enabled,
      long bridgeId,
      long rootId,
      long rootCost,
      int rootPort,
      long topologyChanges,
      long malformedBpdus,
      long bpduOnEdge,
      List<SpanningTree.PortView> ports,
      long blockedIn,
      long blockedOut) {

    /** How many tree ports are blocked (not forwarding). */
    public long blockedPorts() {
      return ports.stream()
          .filter(v -> v.state() != io.kubevde.vdeplug.netnode.stp.PortState.FORWARDING)
          .count();
    }
  }

  /** The tree as it is now. */
  public Status status() {
    node.lock().lock();
    try {
      long blockedIn = blockedInGone;
      long blockedOut = blockedOutGone;
      for (NetnodePort p : node.portArray()) {
        long[] d = p.blockedDrops();
        blockedIn += d[0];
        blockedOut += d[1];
      }
      return new Status(
          enabled,
          tree.bridgeId(),
          tree.rootId(),
          tree.rootCost(),
          tree.rootPort(),
          tree.topologyChanges(),
          malformed,
          bpduOnEdgeTotal,
          tree.ports(),
          blockedIn,
          blockedOut);
    } finally {
      node.lock().unlock();
    }
  }
}
