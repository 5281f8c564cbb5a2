package io.kubevde.vdeplug.vdeswitch;

import io.kubevde.vdeplug.netnode.ClientIdentity;
import io.kubevde.vdeplug.netnode.ForwardingPolicy;
import io.kubevde.vdeplug.netnode.MacTable;
import io.kubevde.vdeplug.netnode.NetnodePort;
import io.kubevde.vdeplug.netnode.PortRefusedException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.function.LongSupplier;

/**
 * vde-2 {@code vde_switch} forwarding (vde-protocols.md §9.2), configured at run time by the {@link
 * SwitchConsole}: each port number has one <b>untagged VLAN</b> (default 0; {@link #NO_VLAN} 4095 =
 * none) and may be a <b>tagged member</b> of other VLANs. An untagged frame belongs to its port's
 * untagged VLAN; a frame with TPID 0x8100 belongs to its 12-bit VID and is dropped unless the port
 * is a tagged member. Learning key (source MAC, VLAN); known destination → that port if it is a
 * member of the VLAN (never back to the source); otherwise every member of the VLAN except the
 * source. On output the tag is stripped for ports where the VLAN is untagged and inserted ({@code
 * 81 00} + VID, PCP 0) for tagged members. Hub mode ({@code port/sethub 1}) floods every frame to
 * every other port unchanged. Storm control ({@link NetnodePort#admitFlood}) is applied to frames
 * about to be flooded (hub mode: broadcast and multicast), before their source is learned.
 *
 * <p>Port configuration is kept by port number, so it exists before a client attaches ({@code
 * port/create}) and survives the client (as in vde_switch). The host port of the engine is port 0
 * (vde_switch's management port). All methods are synchronized: the console changes the
 * configuration while the engine forwards; {@link #forward} reuses two scratch buffers and does not
 * allocate.
 */
public final class VlanSwitchPolicy implements ForwardingPolicy {
  /** The "no untagged VLAN" value: untagged frames on such a port are dropped. */
  public static final int NO_VLAN = 4095;

  /** Configuration of one port number: its untagged VLAN and the VLANs it is a tagged member of. */
  static final class PortConfig {
    int untagged;
    final BitSet tagged = new BitSet(4096);
    boolean allocatable = true;
    int user = -1;
    int group = -1;
    int currentUser = -1;

    boolean member(int vlan) {
      return untagged == vlan || tagged.get(vlan);
    }
  }

  private MacTable<NetnodePort> table;
  private final LongSupplier clock;
  private int numPorts = VdeSwitch.DEFAULT_PORTS;
  private final TreeMap<Integer, PortConfig> config = new TreeMap<>();
  private final BitSet vlans = new BitSet(4096);
  private final ByteBuffer tagged =
      ByteBuffer.allocateDirect(io.kubevde.vdeplug.Plug.MAX_FRAME + 4);
  private final ByteBuffer untagged = ByteBuffer.allocateDirect(io.kubevde.vdeplug.Plug.MAX_FRAME);
  private int hashSize;
  private boolean hub;

  /**
   * @param hashSize MAC table slots (vde_switch default 128)
   * @param expireSeconds MAC entry lifetime (vde_switch: 100 s)
   * @param clock seconds clock
   */
  public VlanSwitchPolicy(int hashSize, int expireSeconds, LongSupplier clock) {
    this.clock = clock;
    this.table = new MacTable<>(hashSize, 0, expireSeconds, clock);
    this.hashSize = table.capacity();
    vlans.set(0);
  }

  /** MAC table slots. */
  public synchronized int hashSize() {
    return hashSize;
  }

  /** MAC entry lifetime in seconds. */
  public synchronized int expireSeconds() {
    return (int) table.expireSeconds();
  }

  /** Sets the MAC entry lifetime in seconds (console {@code hash/setexpire}). */
  public synchronized void setExpireSeconds(int seconds) {
    table.setExpireSeconds(seconds);
  }

  /** The anti-flap time in seconds ({@link MacTable#setMinPersistence}). */
  public synchronized int minPersistence() {
    return (int) table.minPersistence();
  }

  /**
   * Sets the anti-flap time in seconds (console {@code hash/setminper}, {@code -m}-less default 3).
   */
  public synchronized void setMinPersistence(int seconds) {
    table.setMinPersistence(seconds);
  }

  /**
   * Replaces the MAC table with one of {@code size} slots (console {@code hash/setsize}); learned
   * entries are dropped and relearned from the next frames.
   */
  public synchronized void setHashSize(int size) {
    MacTable<NetnodePort> t = new MacTable<>(size, 0, (int) table.expireSeconds(), clock);
    t.setMinPersistence(table.minPersistence());
    table = t;
    hashSize = t.capacity();
  }

  /** Number of ports (vde_switch {@code -n}, console {@code port/setnumports}): 1..N-1 usable. */
  public synchronized int numPorts() {
    return numPorts;
  }

  /** Sets the number of ports; existing endpoints beyond it stay until they leave. */
  public synchronized void setNumPorts(int n) {
    numPorts = n;
  }

  /**
   * Sets whether port {@code n} is taken by clients that ask for any port ({@code
   * port/allocatable}).
   */
  public synchronized void setAllocatable(int n, boolean on) {
    cfg(n).allocatable = on;
  }

  /** Whether port {@code n} is given to clients that ask for any port. */
  public synchronized boolean allocatable(int n) {
    PortConfig c = config.get(n);
    return c == null || c.allocatable;
  }

  /**
   * Restricts port {@code n} to clients owned by {@code uid} (-1 = anyone; {@code port/setuser}).
   */
  public synchronized void setUser(int n, int uid) {
    cfg(n).user = uid;
  }

  /** Restricts port {@code n} to clients of group {@code gid} (-1 = any; {@code port/setgroup}). */
  public synchronized void setGroup(int n, int gid) {
    cfg(n).group = gid;
  }

  /** The user restriction of port {@code n} (-1 = none). */
  public synchronized int user(int n) {
    PortConfig c = config.get(n);
    return c == null ? -1 : c.user;
  }

  /** The group restriction of port {@code n} (-1 = none). */
  public synchronized int group(int n) {
    PortConfig c = config.get(n);
    return c == null ? -1 : c.group;
  }

  /** The uid of the first endpoint of active port {@code n} (-1 = none). */
  public synchronized int currentUser(int n) {
    PortConfig c = config.get(n);
    return c == null ? -1 : c.currentUser;
  }

  /**
   * vde_switch's port choice and access control (vde-protocols.md §3.5 step 3, §9.2): a requested
   * port must be below {@link #numPorts()}, pass its user/group restriction and, when active,
   * belong to the user of its first endpoint (root passes every check); a client asking for any
   * port gets the lowest inactive allocatable one. The port's configuration is created (untagged
   * VLAN 0) as vde_switch does on attach.
   *
   * @throws PortRefusedException with the reason, naming the port and the client's uid
   */
  @Override
  public synchronized int admit(int requested, ClientIdentity client, IntPredicate active)
      throws PortRefusedException {
    int n = requested;
    if (n > 0) {
      if (n >= numPorts) {
        throw new PortRefusedException("port " + n + " does not exist (numports " + numPorts + ")");
      }
      PortConfig c = config.get(n);
      if (c != null && !client.root()) {
        boolean userOk = c.user < 0 || c.user == client.uid();
        // membership of the uid, not the socket file's gid: a client socket in the set-gid
        // directory inherits the directory's group whoever created it
        boolean groupOk = c.group >= 0 && Accounts.memberOf(client.uid(), c.group);
        if (c.user >= 0 && !userOk && !groupOk || c.user < 0 && c.group >= 0 && !groupOk) {
          throw new PortRefusedException(
              "port " + n + ": uid " + client.uid() + "/gid " + client.gid() + " not permitted");
        }
        if (active.test(n) && c.currentUser >= 0 && c.currentUser != client.uid()) {
          throw new PortRefusedException(
              "port " + n + " is in use by uid " + c.currentUser + ", not uid " + client.uid());
        }
      }
    } else {
      n = -1;
      for (int p = 1; p < numPorts; p++) {
        PortConfig c = config.get(p);
        if (!active.test(p) && (c == null || c.allocatable)) {
          n = p;
          break;
        }
      }
      if (n < 0)
        throw new PortRefusedException("no free allocatable port (numports " + numPorts + ")");
    }
    PortConfig c = cfg(n);
    if (!active.test(n)) c.currentUser = client.uid();
    return n;
  }

  private PortConfig cfg(int port) {
    return config.computeIfAbsent(port, p -> new PortConfig());
  }

  /** Whether port {@code n} has been created (by {@code port/create} or by a client attaching). */
  public synchronized boolean hasPort(int n) {
    return config.containsKey(n);
  }

  /** Creates port {@code n} (untagged VLAN 0); false if it exists. */
  public synchronized boolean createPort(int n) {
    if (config.containsKey(n)) return false;
    cfg(n);
    return true;
  }

  /**
   * Creates port {@code n} as {@code port/create} does: reserved, so not allocatable to clients
   * asking for any port (vde-protocols.md §9.3); false if it exists.
   */
  public synchronized boolean reservePort(int n) {
    if (config.containsKey(n)) return false;
    cfg(n).allocatable = false;
    return true;
  }

  /** Forgets port {@code n}'s configuration; false if it did not exist. */
  public synchronized boolean removePortConfig(int n) {
    return config.remove(n) != null;
  }

  /** Whether VLAN {@code v} exists (0 always does). */
  public synchronized boolean vlanExists(int v) {
    return vlans.get(v);
  }

  /** Creates VLAN {@code v} (1..4093); false if it exists. */
  public synchronized boolean createVlan(int v) {
    if (vlans.get(v)) return false;
    vlans.set(v);
    return true;
  }

  /** Whether any port uses VLAN {@code v} (untagged or tagged). */
  public synchronized boolean vlanInUse(int v) {
    return config.values().stream().anyMatch(c -> c.member(v));
  }

  /** Removes VLAN {@code v}; the caller checks {@link #vlanInUse} first. */
  public synchronized void removeVlan(int v) {
    vlans.clear(v);
  }

  /** Sets port {@code n}'s untagged VLAN. */
  public synchronized void setUntagged(int n, int vlan) {
    cfg(n).untagged = vlan;
  }

  /** Adds or removes port {@code n} as a tagged member of {@code vlan}. */
  public synchronized void setTagged(int n, int vlan, boolean member) {
    cfg(n).tagged.set(vlan, member);
  }

  /** Whether port {@code n} is a tagged member of {@code vlan}. */
  public synchronized boolean isTagged(int n, int vlan) {
    PortConfig c = config.get(n);
    return c != null && c.tagged.get(vlan);
  }

  /** Port {@code n}'s untagged VLAN (0 when not configured). */
  public synchronized int untaggedVlan(int n) {
    PortConfig c = config.get(n);
    return c == null ? 0 : c.untagged;
  }

  /** The created VLANs, ascending. */
  public synchronized int[] vlans() {
    return vlans.stream().toArray();
  }

  /** Port numbers with a configuration, ascending. */
  public synchronized int[] configuredPorts() {
    return config.keySet().stream().mapToInt(Integer::intValue).toArray();
  }

  /** Sets hub mode. */
  public synchronized void setHub(boolean on) {
    hub = on;
  }

  /** Whether hub mode is on. */
  public synchronized boolean hub() {
    return hub;
  }

  /** A snapshot of the MAC table for {@code hash/print}: {@code (mac, vlan) -> port id}. */
  @Override
  public synchronized Map<Long, Integer> macEntries() {
    return table.entries(NetnodePort::id);
  }

  /**
   * vde_switch ports accept several endpoints ("cables", §9.2): frames for the port go to each of
   * them.
   */
  @Override
  public boolean sharesPortNumbers() {
    return true;
  }

  @Override
  public synchronized void forward(
      NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
    if (hub) {
      if ((frame.get(frame.position()) & 1) != 0 && !source.admitFlood(frame)) return;
      for (NetnodePort q : ports) if (q.id() != source.id()) q.deliver(frame);
      return;
    }
    PortConfig in = cfg(source.id());
    int p = frame.position();
    int vlan;
    boolean isTagged = frame.remaining() >= 18 && (frame.getShort(p + 12) & 0xFFFF) == 0x8100;
    if (isTagged) {
      vlan = frame.getShort(p + 14) & 0xFFF;
      if (!in.tagged.get(vlan)) {
        source.stats().dropped();
        return;
      }
    } else {
      vlan = in.untagged;
      if (vlan == NO_VLAN) {
        source.stats().dropped();
        return;
      }
    }
    boolean learn = (frame.get(p + 6) & 1) == 0;
    long src = mac(frame, p + 6);
    boolean haveTagged = false;
    boolean haveUntagged = false;
    if ((frame.get(p) & 1) == 0) {
      long dstMac = mac(frame, p);
      NetnodePort dst = dstMac == src ? source : table.lookup(MacTable.key(dstMac, vlan));
      if (dst != null) {
        if (learn) table.learn(MacTable.key(src, vlan), source);
        int target = dst.id();
        if (target != source.id()) {
          PortConfig out = cfg(target);
          if (out.member(vlan)) {
            for (NetnodePort q : ports) {
              if (q.id() != target) continue;
              int made = send(q, out, frame, isTagged, vlan, haveTagged, haveUntagged);
              haveTagged |= made == 1;
              haveUntagged |= made == 2;
            }
          }
        }
        return;
      }
    }
    // storm control before learning: a refused frame neither floods nor moves the MAC table
    if (!source.admitFlood(frame)) return;
    if (learn) table.learn(MacTable.key(src, vlan), source);
    for (NetnodePort q : ports) {
      if (q.id() == source.id()) continue;
      PortConfig out = cfg(q.id());
      if (!out.member(vlan)) continue;
      int made = send(q, out, frame, isTagged, vlan, haveTagged, haveUntagged);
      haveTagged |= made == 1;
      haveUntagged |= made == 2;
    }
  }

  /**
   * Delivers in the port's form; returns 1 if the tagged scratch was built, 2 if the untagged one,
   * else 0.
   */
  private int send(
      NetnodePort q,
      PortConfig out,
      ByteBuffer frame,
      boolean isTagged,
      int vlan,
      boolean haveTagged,
      boolean haveUntagged) {
    boolean wantTagged = out.untagged != vlan;
    if (wantTagged == isTagged) {
      q.deliver(frame);
      return 0;
    }
    int p = frame.position();
    int len = frame.remaining();
    if (wantTagged) {
      if (!haveTagged) {
        tagged.clear();
        tagged.put(0, frame, p, 12);
        tagged.putShort(12, (short) 0x8100).putShort(14, (short) vlan);
        tagged.put(16, frame, p + 12, len - 12);
        tagged.limit(len + 4);
      }
      q.deliver(tagged);
      return 1;
    }
    if (!haveUntagged) {
      untagged.clear();
      untagged.put(0, frame, p, 12);
      untagged.put(12, frame, p + 16, len - 16);
      untagged.limit(len - 4);
    }
    q.deliver(untagged);
    return 2;
  }

  private static long mac(ByteBuffer f, int off) {
    return ((long) (f.getShort(off) & 0xFFFF) << 32) | (f.getInt(off + 2) & 0xFFFF_FFFFL);
  }

  /** Forgets the MAC table entry for {@code mac} on {@code vlan}; false when there was none. */
  public synchronized boolean forgetMac(long mac, int vlan) {
    return table.forget(MacTable.key(mac, vlan));
  }

  @Override
  public synchronized void portRemoved(NetnodePort port) {
    table.removePort(port);
  }

  @Override
  public synchronized void flushPort(NetnodePort port) {
    table.removePort(port);
  }

  @Override
  public synchronized int macTableSize() {
    return table.size();
  }
}
