package io.kubevde.agent.dataplane;

import io.kubevde.agent.model.PortVlans;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;

/**
 * A pod's tap as an access or trunk port of its network's switch ({@link PortVlans}, vde_switch
 * semantics of vde-protocols.md §9.2). Inside the switch and on the uplink a frame of VLAN N (1..
 * 4094) carries an 802.1Q tag with VID N (TPID 0x8100, PCP 0) and a frame of the network's own
 * untagged VLAN carries none; the switch learns per (MAC, VID). This plug translates at the pod's
 * edge:
 *
 * <ul>
 *   <li>from the pod (receive): an untagged frame belongs to the port's untagged VLAN (tagged with
 *       it when that is an access VLAN); a tagged frame passes when its VID is one of the port's
 *       tagged VLANs and is dropped otherwise (counted: {@link #vlanDrops}, and {@link
 *       PlugStats#dropped} of {@link #stats});
 *   <li>to the pod (send): a frame of the port's untagged VLAN is written untagged (its tag
 *       stripped), a frame of one of its tagged VLANs as it is, any other frame is filtered (the
 *       port is not a member: not a drop, counted in {@link #filtered}).
 * </ul>
 *
 * A priority-tagged frame (VID 0) from the pod is dropped. Frames too short to hold a tag where one
 * must be read are dropped. One reused direct buffer per direction (no per-frame allocation); sends
 * are serialised (the switch may deliver from several port readers).
 */
public final class PortVlanPlug extends WrapperPlug implements VlanEdge {
  private static final int TPID = 0x8100;

  private final PortVlans vlans;
  private final BitSet tagged = new BitSet(4095);
  private final ByteBuffer out = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
  private final ByteBuffer in = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
  private final java.util.concurrent.atomic.LongAdder vlanDrops =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder filtered =
      new java.util.concurrent.atomic.LongAdder();

  /**
   * @param inner the pod's tap plug (owned: closed with this one)
   * @param vlans the port's VLANs
   */
  public PortVlanPlug(Plug inner, PortVlans vlans) {
    super(inner);
    this.vlans = vlans;
    for (int v : vlans.tagged()) tagged.set(v);
  }

  /** The port's VLANs. */
  public PortVlans vlans() {
    return vlans;
  }

  /** Frames from the pod dropped because of their VLAN (a tag of a VID the port does not carry). */
  @Override
  public long vlanDrops() {
    return vlanDrops.sum();
  }

  /** Frames of other VLANs the switch offered to the pod and this port did not pass on. */
  public long filtered() {
    return filtered.sum();
  }

  private static boolean isTagged(ByteBuffer f, int p, int len) {
    return len >= 18 && (f.getShort(p + 12) & 0xFFFF) == TPID;
  }

  @Override
  public synchronized void send(ByteBuffer frame) throws IOException {
    int p = frame.position();
    int len = frame.remaining();
    if (len < MIN_FRAME) {
      frame.position(frame.limit());
      stats.dropped();
      return;
    }
    int vlan = isTagged(frame, p, len) ? frame.getShort(p + 14) & 0xFFF : 0;
    if (vlan == vlans.untagged()) {
      if (vlan == 0) {
        inner.send(frame);
      } else {
        // strip the access VLAN's tag
        out.clear();
        out.put(0, frame, p, 12);
        out.put(12, frame, p + 16, len - 16);
        out.limit(len - 4);
        frame.position(frame.limit());
        inner.send(out);
      }
      stats.sent(len);
      return;
    }
    frame.position(frame.limit());
    if (vlan != 0 && tagged.get(vlan)) {
      frame.position(p);
      inner.send(frame);
      stats.sent(len);
      return;
    }
    filtered.increment();
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    int p = frame.position();
    int n = inner.receive(frame);
    if (n <= 0) return n;
    if (n < MIN_FRAME) {
      frame.position(p);
      return NO_FRAME;
    }
    if (isTagged(frame, p, n)) {
      int vid = frame.getShort(p + 14) & 0xFFF;
      if (vid == 0 || !tagged.get(vid)) {
        frame.position(p);
        vlanDrops.increment();
        stats.dropped();
        return NO_FRAME;
      }
      stats.received(n);
      return n;
    }
    int access = vlans.untagged();
    if (access == 0) {
      stats.received(n);
      return n;
    }
    if (n + 4 > MAX_FRAME || frame.capacity() < p + n + 4) {
      frame.position(p);
      stats.dropped();
      return NO_FRAME;
    }
    // insert the access VLAN's tag after the source MAC
    in.clear();
    in.put(0, frame, p + 12, n - 12);
    frame.putShort(p + 12, (short) TPID);
    frame.putShort(p + 14, (short) access);
    frame.put(p + 16, in, 0, n - 12);
    frame.position(p + n + 4);
    stats.received(n + 4);
    return n + 4;
  }

  @Override
  public String toString() {
    return inner + " (" + vlans + ")";
  }
}
