package io.kubevde.agent.dataplane;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * The network's {@code vlan} on the uplink (IEEE 802.1Q): frames sent get a tag (TPID 0x8100, PCP
 * 0, DEI 0, VID = {@code vid}) inserted after the source MAC; frames received must carry that VID
 * and are delivered untagged; untagged frames and other VIDs are dropped and counted ({@link
 * PlugStats#dropped}). Frames that would exceed {@link Plug#MAX_FRAME} once tagged are dropped. One
 * reused direct buffer per direction (no per-frame allocation); sends are serialised.
 */
public final class VlanPlug extends WrapperPlug {
  private static final short TPID = (short) 0x8100;

  private final int vid;
  private final ByteBuffer out = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 4);
  private final ByteBuffer in = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 4);

  /**
   * @param inner the uplink plug (owned: closed with this one)
   * @param vid VLAN id 1..4094
   */
  public VlanPlug(Plug inner, int vid) {
    super(inner);
    if (vid < 1 || vid > 4094)
      throw new IllegalArgumentException("VLAN id must be 1..4094, got " + vid);
    this.vid = vid;
  }

  @Override
  public synchronized void send(ByteBuffer frame) throws IOException {
    int len = frame.remaining();
    if (len < MIN_FRAME || len + 4 > MAX_FRAME) {
      frame.position(frame.limit());
      stats.dropped();
      return;
    }
    int p = frame.position();
    out.clear();
    out.put(0, frame, p, 12);
    out.putShort(12, TPID);
    out.putShort(14, (short) vid);
    out.put(16, frame, p + 12, len - 12);
    out.limit(len + 4);
    frame.position(frame.limit());
    inner.send(out);
    stats.sent(len);
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    in.clear();
    int n = inner.receive(in);
    if (n <= 0) return n;
    if (n < MIN_FRAME + 4 || in.getShort(12) != TPID || (in.getShort(14) & 0x0fff) != vid) {
      stats.dropped();
      return NO_FRAME;
    }
    int p = frame.position();
    frame.put(p, in, 0, 12);
    frame.put(p + 12, in, 16, n - 16);
    frame.position(p + n - 4);
    stats.received(n - 4);
    return n - 4;
  }

  @Override
  public String toString() {
    return inner + " vlan " + vid;
  }
}
