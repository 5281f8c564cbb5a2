package io.kubevde.agent.dataplane;

import io.kubevde.vdeplug.Plug;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Keeps an egress network's gateway node-local on the uplink (agent/README.md "Egress"): every node
 * runs the same gateway address with the same MAC, so the gateway's frames must never cross between
 * nodes. Frames sent to the uplink whose source MAC is the gateway's are dropped (its ARP replies
 * and requests, its routed packets: they are for this node's pods); frames received from the uplink
 * whose source or destination MAC is the gateway's are dropped (another node's gateway, or a remote
 * pod's frame to its own node's gateway flooded before its switch learned). Drops are counted in
 * {@link #stats()}; other frames pass unchanged, without a copy.
 */
public final class GatewayGuardPlug extends WrapperPlug {
  private final long mac;

  /**
   * @param inner the uplink plug (owned: closed with this one)
   * @param gatewayMac the gateway's MAC, six bytes
   */
  public GatewayGuardPlug(Plug inner, byte[] gatewayMac) {
    super(inner);
    if (gatewayMac.length != 6) throw new IllegalArgumentException("a MAC has 6 bytes");
    long m = 0;
    for (byte b : gatewayMac) m = (m << 8) | (b & 0xff);
    this.mac = m;
  }

  private static long macAt(ByteBuffer b, int at) {
    return ((b.getShort(at) & 0xffffL) << 32) | (b.getInt(at + 2) & 0xffffffffL);
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int p = frame.position();
    if (frame.remaining() >= MIN_FRAME && (macAt(frame, p) == mac || macAt(frame, p + 6) == mac)) {
      frame.position(frame.limit());
      stats.dropped();
      return;
    }
    int len = frame.remaining();
    inner.send(frame);
    stats.sent(len);
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    int p = frame.position();
    int n = inner.receive(frame);
    if (n < MIN_FRAME) return n;
    if (macAt(frame, p) == mac || macAt(frame, p + 6) == mac) {
      frame.position(p);
      stats.dropped();
      return NO_FRAME;
    }
    stats.received(n);
    return n;
  }

  @Override
  public String toString() {
    return inner + " gateway-guard";
  }
}
