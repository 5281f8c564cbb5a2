package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * bonding: a frame from a link goes to the host only; each frame from the host goes to ONE link,
 * round-robin over the current links (broadcasts too), starting like vdeplug4 at index 1
 * (vde-protocols.md §6.2, §7).
 *
 * <p>Optional link health ({@code bonding://DIR[health]} or {@code [health=MS]}, beyond vdeplug4,
 * whose bonding keeps sending into a dead link, §12.14): every MS/4 ms the node sends a small
 * heartbeat frame on each link (EtherType 0x88b5, destination {@code 03:6b:76:64:65:00}, payload
 * {@code kubevde-bonding-heartbeat}); heartbeats received from a link are consumed, not given to
 * the host. A link from which nothing (frame or heartbeat) arrived for MS ms (default 500) is
 * skipped by the round-robin until something arrives again; when every link is silent all are used.
 * Both ends should enable it (a C peer passes the heartbeats to its host, where an unknown
 * EtherType is ignored).
 */
public final class BondingPolicy implements ForwardingPolicy {
  /** Payload marking a heartbeat. */
  static final byte[] HEARTBEAT = "kubevde-bonding-heartbeat".getBytes(StandardCharsets.US_ASCII);

  private final long healthNanos;
  private final ByteBuffer heartbeat;
  private long next;

  /** Plain vdeplug4 bonding (no health). */
  public BondingPolicy() {
    this(0);
  }

  /** Bonding that skips links silent for {@code healthMillis} ms (0 = off). */
  public BondingPolicy(int healthMillis) {
    this.healthNanos = healthMillis * 1_000_000L;
    ByteBuffer b = ByteBuffer.allocateDirect(14 + HEARTBEAT.length);
    b.put(new byte[] {0x03, 0x6b, 0x76, 0x64, 0x65, 0x00, 0x02, 0x6b, 0x76, 0x64, 0x65, 0x00});
    b.putShort((short) 0x88b5).put(HEARTBEAT).flip();
    this.heartbeat = b;
  }

  @Override
  public void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
    if (source != host) {
      if (healthNanos > 0 && isHeartbeat(frame)) return;
      host.deliver(frame);
      return;
    }
    int n = ports.length;
    if (n == 0) {
      host.stats().dropped();
      return;
    }
    if (healthNanos > 0) {
      long now = System.nanoTime();
      for (int tries = 0; tries < n; tries++) {
        next++;
        NetnodePort p = ports[(int) (next % n)];
        if (now - p.lastInputNanos() < healthNanos) {
          p.deliver(frame);
          return;
        }
      }
    }
    next++;
    ports[(int) (next % n)].deliver(frame);
  }

  static boolean isHeartbeat(ByteBuffer f) {
    int p = f.position();
    if (f.remaining() != 14 + HEARTBEAT.length || (f.getShort(p + 12) & 0xFFFF) != 0x88b5)
      return false;
    for (int i = 0; i < HEARTBEAT.length; i++) if (f.get(p + 14 + i) != HEARTBEAT[i]) return false;
    return true;
  }

  @Override
  public long tickMillis() {
    return healthNanos == 0 ? 0 : Math.max(10, healthNanos / 4_000_000L);
  }

  @Override
  public void tick(NetnodePort[] ports, NetnodePort host) {
    for (NetnodePort p : ports) p.deliver(heartbeat);
  }
}
