package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * switch: learns (source MAC, VLAN) → port, sends a frame with a known destination to that port
 * only (dropped when it is the source port), and floods broadcast, multicast and unknown
 * destinations to every other port and the host (vde-protocols.md §6.2). The VLAN is the 12-bit VID
 * of an 802.1Q tag (TPID 0x8100), 0 for untagged frames; tags are neither added nor removed (trunk
 * behaviour, as vdeplug4). Group-bit source MACs are not learned.
 */
public final class SwitchPolicy implements ForwardingPolicy {
  private final MacTable<NetnodePort> table;

  /** A switch over {@code table}. */
  public SwitchPolicy(MacTable<NetnodePort> table) {
    this.table = table;
  }

  /**
   * The VLAN a frame belongs to: the tag's 12-bit VID, or 0 when untagged (or too short to hold a
   * tag).
   */
  public static int vlanOf(ByteBuffer frame) {
    int p = frame.position();
    if (frame.remaining() >= 18 && (frame.getShort(p + 12) & 0xFFFF) == 0x8100)
      return frame.getShort(p + 14) & 0xFFF;
    return 0;
  }

  private static long mac(ByteBuffer f, int off) {
    return ((long) (f.getShort(off) & 0xFFFF) << 32) | (f.getInt(off + 2) & 0xFFFF_FFFFL);
  }

  /**
   * Storm control ({@link NetnodePort#admitFlood}) is applied to frames about to be flooded before
   * their source is learned, so a refused frame neither floods nor moves the MAC table.
   */
  @Override
  public void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
    int p = frame.position();
    int vlan = vlanOf(frame);
    boolean learn = (frame.get(p + 6) & 1) == 0;
    long src = mac(frame, p + 6);
    if ((frame.get(p) & 1) == 0) {
      long dstMac = mac(frame, p);
      NetnodePort dst = dstMac == src ? source : table.lookup(MacTable.key(dstMac, vlan));
      if (dst != null) {
        if (learn) table.learn(MacTable.key(src, vlan), source);
        if (dst != source) dst.deliver(frame);
        return;
      }
    }
    if (!source.admitFlood(frame)) return;
    if (learn) table.learn(MacTable.key(src, vlan), source);
    for (NetnodePort q : ports) if (q != source) q.deliver(frame);
    if (source != host) host.deliver(frame);
  }

  @Override
  public void portRemoved(NetnodePort port) {
    table.removePort(port);
  }

  @Override
  public void flushPort(NetnodePort port) {
    table.removePort(port);
  }

  @Override
  public long macMoves() {
    return table.moves();
  }

  @Override
  public int macTableSize() {
    return table.size();
  }

  @Override
  public java.util.Map<Long, Integer> macEntries() {
    return table.entries(NetnodePort::id);
  }
}
