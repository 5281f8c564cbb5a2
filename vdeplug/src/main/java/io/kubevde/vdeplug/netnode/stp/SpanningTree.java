package io.kubevde.vdeplug.netnode.stp;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A rapid spanning tree (802.1D-2004 clause 17, simplified; vde-2's FSTP plays the same game,
 * vde-protocols.md §9.2), pure logic: no threads, no clock, no I/O. The caller feeds it BPDUs, port
 * changes and the time, and it answers through {@link Actions} (send a BPDU, block or unblock a
 * port, flush learned MACs).
 *
 * <p>Election: the bridge with the lowest id (priority, then MAC) is the root; every other bridge
 * picks as root port the port with the best (lowest) priority vector (root id, root path cost +
 * port cost, designated bridge, designated port); on every other port the bridge is designated when
 * its own vector is better than what the port hears, else the port is alternate (or backup, when it
 * hears this bridge itself) and blocked. Edge ports (pods, hosts) take no part: always forwarding,
 * no BPDUs.
 *
 * <p>States: a root port forwards at once, alternate/backup ports discard at once; a designated
 * port that is not yet forwarding sends proposals and forwards as soon as the neighbour answers
 * with an agreement (the neighbour first blocks its own designated ports: "sync"), or after two
 * forward delays when nobody answers (a plain host on a non-edge port); the only tree port of a
 * bridge forwards at once (no loop can pass through a bridge with one tree port). A received BPDU
 * is kept when it is better than the stored one or comes from the same sender; stored information
 * expires after {@link StpTimers#maxAgeMillis()}; designated ports send a BPDU every hello and at
 * once when this bridge's information changes.
 *
 * <p>Topology change: when a non-edge port starts forwarding, or a BPDU with the TC flag arrives,
 * MACs learned on the other non-edge ports are flushed ({@link Actions#flush}) and the change is
 * announced (TC flag) on the other forwarding root/designated ports for two hellos.
 *
 * <p>Simplifications (documented in vdeplug/README.md): one tree for all VLANs (a common spanning
 * tree, where vde-2 runs one per VLAN); no TC acknowledgement, no protocol migration to 802.1D, and
 * no sync on a change of root port, so a reconfiguration may briefly loop a few frames (storm
 * control bounds them). Not thread-safe: the netnode calls it under its forwarding lock.
 */
public final class SpanningTree {

  /** What the tree asks of the switch. Called synchronously from the tree's methods. */
  public interface Actions {
    /** Send {@code bpdu} out of port {@code port} (even when the port is blocked). */
    void send(int port, Bpdu bpdu);

    /** Let data frames in and out of {@code port} ({@code true}) or drop them. */
    void forwarding(int port, boolean forwarding);

    /** Forget the MACs learned on non-edge port {@code port}. */
    void flush(int port);
  }

  /** The default path cost of a port. */
  public static final long DEFAULT_COST = 100;

  private static final long MAX_COST = 0xFFFF_FFFFL;

  /**
   * At most one BPDU per port per this many ms besides agreements (a peer sending inferior BPDUs in
   * a loop gets at most 200 answers per second; 802.1D's TxHoldCount plays this role).
   */
  static final long MIN_SEND_GAP_MILLIS = 5;

  private final long bridgeId;
  private final StpTimers timers;
  private final Actions actions;
  private final Map<Integer, Port> ports = new TreeMap<>();
  private long rootId;
  private long rootCost;
  private int rootHops;
  private int rootPort = -1;
  private long topologyChanges;
  private long lastTopologyChangeMillis = -1;

  /** One port's tree state. */
  private static final class Port {
    final int id;
    boolean edge;
    long cost = DEFAULT_COST;
    PortRole role = PortRole.DESIGNATED;
    PortState state = PortState.DISCARDING;
    long stateSince;
    Bpdu heard;
    long heardAt;
    long tcUntil = -1;
    boolean agreed;
    boolean sendNow;
    long nextHello;
    long bpduIn;
    long bpduOut;
    long bpduOnEdge;
    long lastSent = -1;

    Port(int id) {
      this.id = id;
    }
  }

  /**
   * A tree for a bridge.
   *
   * @param bridgeId priority (top 16 bits) and MAC (low 48 bits)
   */
  public SpanningTree(long bridgeId, StpTimers timers, Actions actions) {
    this.bridgeId = bridgeId;
    this.timers = timers;
    this.actions = actions;
    this.rootId = bridgeId;
  }

  /** A bridge id from a 16-bit priority and a 48-bit MAC. */
  public static long bridgeId(int priority, long mac) {
    return ((long) (priority & 0xFFFF) << 48) | (mac & 0xFFFF_FFFF_FFFFL);
  }

  /** This bridge's id. */
  public long bridgeId() {
    return bridgeId;
  }

  /** The timers. */
  public StpTimers timers() {
    return timers;
  }

  /** The root bridge's id (this bridge's when it is the root). */
  public long rootId() {
    return rootId;
  }

  /** The path cost from this bridge to the root. */
  public long rootCost() {
    return rootCost;
  }

  /** The root port's number, or -1 when this bridge is the root. */
  public int rootPort() {
    return rootPort;
  }

  /** How many topology changes this bridge detected or heard of. */
  public long topologyChanges() {
    return topologyChanges;
  }

  /** The time (the caller's ms clock) of the last topology change, -1 if none. */
  public long lastTopologyChangeMillis() {
    return lastTopologyChangeMillis;
  }

  /**
   * Adds port {@code id} (an edge port forwards at once; any other starts DISCARDING as designated
   * and sends a BPDU at once).
   */
  public void addPort(int id, boolean edge, long now) {
    Port p = ports.computeIfAbsent(id, Port::new);
    p.edge = edge;
    p.stateSince = now;
    p.nextHello = now;
    if (edge) {
      p.role = PortRole.EDGE;
      setState(p, PortState.FORWARDING, now);
    } else {
      p.role = PortRole.DESIGNATED;
      p.state = PortState.DISCARDING;
      actions.forwarding(id, false);
    }
    recompute(now);
    flushSends(now);
  }

  /** Removes port {@code id} (a cut link): the tree is recomputed at once. */
  public void removePort(int id, long now) {
    if (ports.remove(id) == null) return;
    recompute(now);
    flushSends(now);
  }

  /** Whether port {@code id} is known. */
  public boolean hasPort(int id) {
    return ports.containsKey(id);
  }

  /** Makes port {@code id} an edge port or a tree port (vde-2's {@code fstp/setedge}). */
  public void setEdge(int id, boolean edge, long now) {
    Port p = ports.get(id);
    if (p == null || p.edge == edge) return;
    ports.remove(id);
    addPort(id, edge, now);
    ports.get(id).cost = p.cost;
    recompute(now);
  }

  /** Sets the path cost of port {@code id} (1..2^32-1). */
  public void setCost(int id, long cost, long now) {
    if (cost < 1 || cost > MAX_COST) throw new IllegalArgumentException("cost 1..4294967295");
    Port p = ports.get(id);
    if (p == null) return;
    p.cost = cost;
    recompute(now);
  }

  /**
   * A BPDU arrived on port {@code id}. On an edge port it is only counted ({@link
   * PortView#bpduOnEdge()}): hostile input from a pod.
   */
  public void receive(int id, Bpdu b, long now) {
    Port p = ports.get(id);
    if (p == null) return;
    if (p.edge) {
      p.bpduOnEdge++;
      return;
    }
    p.bpduIn++;
    if (b.bridgeId() == bridgeId && b.portId() == portId(id)) {
      return; // our own BPDU back on the same port (a medium that loops it back): no news
    }
    boolean tcn = b.rootId() == 0 && b.bridgeId() == 0 && b.has(Bpdu.TC);
    if (!tcn) {
      Bpdu old = p.heard;
      if (old == null
          || compare(b, old) < 0
          || (b.bridgeId() == old.bridgeId() && b.portId() == old.portId())) {
        p.heard = b;
        p.heardAt = now;
      }
    }
    recompute(now);
    if (!tcn && p.role == PortRole.DESIGNATED && !b.has(Bpdu.AGREEMENT)) {
      p.sendNow = true; // an inferior claim on our segment: tell it at once who is designated
    }
    if (p.heard == b && b.has(Bpdu.PROPOSAL) && p.role == PortRole.ROOT) {
      for (Port q : ports.values()) {
        if (q != p && !q.edge && q.role == PortRole.DESIGNATED && q.state != PortState.DISCARDING) {
          setState(q, PortState.DISCARDING, now); // sync: q will propose downstream
          q.agreed = false;
          q.sendNow = true;
        }
      }
      actions.send(p.id, ownBpdu(p, Bpdu.AGREEMENT, now));
      p.bpduOut++;
    } else if (b.has(Bpdu.PROPOSAL)
        && (p.role == PortRole.ALTERNATE || p.role == PortRole.BACKUP)
        && p.heard == b) {
      actions.send(p.id, ownBpdu(p, Bpdu.AGREEMENT, now)); // already discarding: safe to agree
      p.bpduOut++;
    }
    if (b.has(Bpdu.AGREEMENT)
        && p.role == PortRole.DESIGNATED
        && b.rootId() == rootId
        && p.state != PortState.FORWARDING) {
      p.agreed = true;
      setState(p, PortState.FORWARDING, now);
    }
    if (b.has(Bpdu.TC) && p.state == PortState.FORWARDING || tcn) {
      topologyChange(p, now, false);
    }
    flushSends(now);
  }

  /** Advances the timers: expiries, forward delays, hellos. Call it often (every ≤ hello/4). */
  public void tick(long now) {
    boolean changed = false;
    for (Port p : ports.values()) {
      if (p.heard != null && now - p.heardAt > timers.maxAgeMillis()) {
        p.heard = null;
        changed = true;
      }
    }
    if (changed) recompute(now);
    for (Port p : ports.values()) {
      if (p.role != PortRole.DESIGNATED || p.state == PortState.FORWARDING) continue;
      if (now - p.stateSince >= timers.forwardDelayMillis()) {
        setState(
            p, p.state == PortState.DISCARDING ? PortState.LEARNING : PortState.FORWARDING, now);
      }
    }
    for (Port p : ports.values()) {
      if (p.role == PortRole.DESIGNATED && now >= p.nextHello) p.sendNow = true;
      if (p.role == PortRole.ROOT && p.tcUntil >= now && now >= p.nextHello) p.sendNow = true;
    }
    flushSends(now);
  }

  private void flushSends(long now) {
    for (Port p : ports.values()) {
      if (!p.sendNow) continue;
      if (p.lastSent >= 0 && now - p.lastSent < MIN_SEND_GAP_MILLIS) continue; // next tick
      p.sendNow = false;
      if (p.edge) continue;
      if (p.role != PortRole.DESIGNATED && !(p.role == PortRole.ROOT && p.tcUntil >= now)) continue;
      int flags = 0;
      if (p.role == PortRole.DESIGNATED && p.state != PortState.FORWARDING) flags |= Bpdu.PROPOSAL;
      actions.send(p.id, ownBpdu(p, flags, now));
      p.bpduOut++;
      p.lastSent = now;
      p.nextHello = now + timers.helloMillis();
    }
  }

  private Bpdu ownBpdu(Port p, int extra, long now) {
    int roleCode =
        switch (p.role) {
          case ROOT -> Bpdu.ROLE_ROOT;
          case DESIGNATED -> Bpdu.ROLE_DESIGNATED;
          default -> Bpdu.ROLE_ALTERNATE;
        };
    int flags = extra | roleCode << 2;
    if (p.state == PortState.LEARNING) flags |= Bpdu.LEARNING;
    if (p.state == PortState.FORWARDING) flags |= Bpdu.LEARNING | Bpdu.FORWARDING;
    if (p.tcUntil >= now) flags |= Bpdu.TC;
    return new Bpdu(
        flags, rootId, rootCost, bridgeId, portId(p.id), rootHops, (int) timers.helloMillis());
  }

  /** The port id field: priority 128 (0x8 in the top 4 bits) and the port number. */
  public static int portId(int port) {
    return 0x8000 | (port & 0xFFF);
  }

  private static int compare(Bpdu a, Bpdu b) {
    return compare(
        a.rootId(),
        a.rootCost(),
        a.bridgeId(),
        a.portId(),
        b.rootId(),
        b.rootCost(),
        b.bridgeId(),
        b.portId());
  }

  private static int compare(long r1, long c1, long b1, int p1, long r2, long c2, long b2, int p2) {
    int c = Long.compareUnsigned(r1, r2);
    if (c != 0) return c;
    c = Long.compare(c1, c2);
    if (c != 0) return c;
    c = Long.compareUnsigned(b1, b2);
    if (c != 0) return c;
    return Integer.compare(p1, p2);
  }

  /** Elects root and port roles from what the ports heard, then applies the roles. */
  private void recompute(long now) {
    Port best = null;
    long bestCost = 0;
    for (Port p : ports.values()) {
      Bpdu h = p.heard;
      if (p.edge || h == null || h.bridgeId() == bridgeId) continue;
      if (Long.compareUnsigned(h.rootId(), bridgeId) >= 0) continue;
      long cost = Math.min(MAX_COST, h.rootCost() + p.cost);
      int c =
          best == null
              ? -1
              : compare(
                  h.rootId(),
                  cost,
                  h.bridgeId(),
                  h.portId(),
                  best.heard.rootId(),
                  bestCost,
                  best.heard.bridgeId(),
                  best.heard.portId());
      if (c < 0 || (c == 0 && p.id < best.id)) {
        best = p;
        bestCost = cost;
      }
    }
    long oldRoot = rootId;
    long oldCost = rootCost;
    if (best == null) {
      rootId = bridgeId;
      rootCost = 0;
      rootHops = 0;
      rootPort = -1;
    } else {
      rootId = best.heard.rootId();
      rootCost = bestCost;
      rootHops = best.heard.messageAge() + 1;
      rootPort = best.id;
    }
    boolean infoChanged = oldRoot != rootId || oldCost != rootCost;
    for (Port p : ports.values()) {
      if (p.edge) continue;
      PortRole role;
      if (p.id == rootPort) {
        role = PortRole.ROOT;
      } else {
        Bpdu h = p.heard;
        if (h == null
            || compare(
                    rootId,
                    rootCost,
                    bridgeId,
                    portId(p.id),
                    h.rootId(),
                    h.rootCost(),
                    h.bridgeId(),
                    h.portId())
                < 0) {
          role = PortRole.DESIGNATED;
          p.heard = null; // our information rules this segment ("Mine")
        } else {
          role = h.bridgeId() == bridgeId ? PortRole.BACKUP : PortRole.ALTERNATE;
        }
      }
      PortRole old = p.role;
      p.role = role;
      switch (role) {
        case ROOT -> setState(p, PortState.FORWARDING, now);
        case ALTERNATE, BACKUP -> setState(p, PortState.DISCARDING, now);
        case DESIGNATED -> {
          if (old != PortRole.DESIGNATED) {
            if (p.state == PortState.FORWARDING) setState(p, PortState.DISCARDING, now);
            p.stateSince = now;
            p.agreed = false;
          }
          if (old != PortRole.DESIGNATED || infoChanged) p.sendNow = true;
        }
        default -> {}
      }
    }
    // A bridge with a single tree port cannot carry a loop through itself: that port forwards at
    // once (an agent switch whose only tree port is its uplink keeps its pods connected through a
    // restart or hand-over); a second tree port goes through proposal/agreement or the delays.
    Port only = null;
    int tree = 0;
    for (Port p : ports.values()) {
      if (!p.edge) {
        tree++;
        only = p;
      }
    }
    if (tree == 1 && only.role == PortRole.DESIGNATED && only.state != PortState.FORWARDING) {
      setState(only, PortState.FORWARDING, now);
    }
  }

  private void setState(Port p, PortState s, long now) {
    if (p.state == s) return;
    PortState old = p.state;
    p.state = s;
    p.stateSince = now;
    if (s == PortState.FORWARDING) {
      actions.forwarding(p.id, true);
      if (!p.edge) topologyChange(p, now, true);
    } else if (old == PortState.FORWARDING) {
      actions.forwarding(p.id, false);
    }
  }

  /**
   * A topology change: flushes the MACs of the non-edge ports other than {@code origin} and
   * announces it on the other forwarding root/designated ports ({@code origin} too when this bridge
   * detected it, so the neighbour there learns of it).
   */
  private void topologyChange(Port origin, long now, boolean detectedHere) {
    topologyChanges++;
    lastTopologyChangeMillis = now;
    for (Port q : ports.values()) {
      if (q.edge) continue;
      if (q != origin) actions.flush(q.id);
      if ((q != origin || detectedHere)
          && q.state == PortState.FORWARDING
          && (q.role == PortRole.ROOT || q.role == PortRole.DESIGNATED)) {
        q.tcUntil = now + 2 * timers.helloMillis();
        q.sendNow = true;
      }
    }
  }

  /**
   * One port's view for consoles and metrics.
   *
   * @param id the port number
   * @param role its role
   * @param state its state
   * @param cost its path cost
   * @param designatedBridge the bridge designated for its segment (this one when designated)
   * @param bpduIn BPDUs received on it (tree ports)
   * @param bpduOut BPDUs sent out of it
   * @param bpduOnEdge BPDUs received while it is an edge port (dropped: hostile input)
   */
  public record PortView(
      int id,
      PortRole role,
      PortState state,
      long cost,
      long designatedBridge,
      long bpduIn,
      long bpduOut,
      long bpduOnEdge) {}

  /** Every port, by number. */
  public List<PortView> ports() {
    List<PortView> out = new ArrayList<>();
    for (Port p : ports.values()) {
      long designated =
          p.role == PortRole.DESIGNATED || p.edge || p.heard == null
              ? bridgeId
              : p.heard.bridgeId();
      out.add(
          new PortView(
              p.id, p.role, p.state, p.cost, designated, p.bpduIn, p.bpduOut, p.bpduOnEdge));
    }
    return out;
  }

  /** Port {@code id}'s view, or null. */
  public PortView port(int id) {
    for (PortView v : ports()) if (v.id() == id) return v;
    return null;
  }
}
