package io.kubevde.vdeplug.netnode.stp;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One spanning-tree BPDU (IEEE 802.1D-2004 §9.3, the RST BPDU vde-2's FSTP also sends,
 * vde-protocols.md §9.2): the sender's priority vector (root id, root path cost, bridge id, port
 * id), its message age and timers, and the flags (topology change, proposal, agreement, port role
 * and state).
 *
 * <p>Frame layout (53 bytes, padded to 60 on the wire): destination {@code 01:80:c2:00:00:00},
 * source = the bridge MAC, an 802.3 length (39), LLC {@code 42 42 03}, protocol id 0, version 2,
 * type 2, flags, root id (8), root path cost (4, unsigned), bridge id (8), port id (2), message
 * age, max age, hello time, forward delay (2 each, in 1/256 s), version-1 length 0. Configuration
 * BPDUs (version 0, type 0, 35 bytes) are read too; TCN BPDUs (type 0x80) read as a topology
 * change.
 *
 * @param flags the flag byte (bits: {@link #TC}, {@link #PROPOSAL}, role at 2-3, {@link #LEARNING},
 *     {@link #FORWARDING}, {@link #AGREEMENT}, TC ack)
 * @param rootId the root bridge id (priority in the top 16 bits, MAC below)
 * @param rootCost the sender's path cost to the root (0..2^32-1)
 * @param bridgeId the sender's bridge id
 * @param portId the sender's port id (priority in the top 4 bits, port number below)
 * @param messageAge hops from the root (we count one "second" per bridge, as 802.1D does)
 * @param helloMillis the sender's hello interval in ms (informational)
 */
public record Bpdu(
    int flags,
    long rootId,
    long rootCost,
    long bridgeId,
    int portId,
    int messageAge,
    int helloMillis) {

  /** The bridge group address every BPDU is sent to (never forwarded by a bridge). */
  public static final long GROUP_MAC = 0x0180_C200_0000L;

  /** Flag: topology change. */
  public static final int TC = 0x01;

  /** Flag: proposal (a discarding designated port asks to forward). */
  public static final int PROPOSAL = 0x02;

  /** Flag: learning. */
  public static final int LEARNING = 0x10;

  /** Flag: forwarding. */
  public static final int FORWARDING = 0x20;

  /** Flag: agreement (answer of a root port to a proposal). */
  public static final int AGREEMENT = 0x40;

  /** Port role codes in flag bits 2-3. */
  public static final int ROLE_ALTERNATE = 1, ROLE_ROOT = 2, ROLE_DESIGNATED = 3;

  /** Bytes of an RST BPDU frame before padding. */
  public static final int FRAME_BYTES = 14 + 3 + 36;

  /** The largest message age (hops) a bridge accepts (802.1D default max age, 20 s). */
  public static final int MAX_AGE_HOPS = 20;

  /** The role code in the flags. */
  public int role() {
    return (flags >> 2) & 3;
  }

  /** Whether a flag bit is set. */
  public boolean has(int flag) {
    return (flags & flag) != 0;
  }

  /**
   * Whether {@code frame} (position..limit) is addressed to the bridge group address {@code
   * 01:80:c2:00:00:00}.
   */
  public static boolean isBpduAddress(ByteBuffer frame) {
    int p = frame.position();
    return frame.remaining() >= 14 && frame.getInt(p) == 0x0180_C200 && frame.getShort(p + 4) == 0;
  }

  /**
   * Writes this BPDU as a whole frame from {@code out}'s position (60 bytes, zero padded) with
   * source MAC {@code srcMac}; {@code out} is flipped for sending.
   */
  public void encode(long srcMac, ByteBuffer out) {
    out.clear();
    putMac(out, GROUP_MAC);
    putMac(out, srcMac);
    out.putShort((short) 39);
    out.put((byte) 0x42).put((byte) 0x42).put((byte) 0x03);
    out.putShort((short) 0);
    out.put((byte) 2).put((byte) 2);
    out.put((byte) flags);
    out.putLong(rootId);
    out.putInt((int) rootCost);
    out.putLong(bridgeId);
    out.putShort((short) portId);
    out.putShort((short) (messageAge << 8));
    out.putShort((short) (MAX_AGE_HOPS << 8));
    out.putShort((short) Math.min(0xFFFF, helloMillis * 256L / 1000));
    out.putShort((short) (15 << 8));
    out.put((byte) 0);
    while (out.position() < 60) out.put((byte) 0);
    out.flip();
  }

  private static void putMac(ByteBuffer out, long mac) {
    out.putShort((short) (mac >>> 32));
    out.putInt((int) mac);
  }

  /**
   * Parses a frame addressed to the bridge group address (position..limit; not moved). Every field
   * comes from the network: anything but an untagged 802.3/LLC {@code 42 42 03} frame with protocol
   * id 0 and a complete configuration (type 0), RST (type 2) or TCN (type 0x80) BPDU is empty, and
   * so is a BPDU whose message age reached {@link #MAX_AGE_HOPS}.
   */
  public static Optional<Bpdu> decode(ByteBuffer frame) {
    int p = frame.position();
    int n = frame.remaining();
    if (n < 14 + 3 + 4 || !isBpduAddress(frame)) return Optional.empty();
    int lengthField = frame.getShort(p + 12) & 0xFFFF;
    if (lengthField > 1500 || lengthField < 3 + 4) return Optional.empty();
    if ((frame.get(p + 14) & 0xFF) != 0x42
        || (frame.get(p + 15) & 0xFF) != 0x42
        || (frame.get(p + 16) & 0xFF) != 0x03) return Optional.empty();
    int b = p + 17;
    if (frame.getShort(b) != 0) return Optional.empty();
    int type = frame.get(b + 3) & 0xFF;
    if (type == 0x80) return Optional.of(new Bpdu(TC, 0, 0, 0, 0, 0, 0));
    int need = type == 2 ? 36 : type == 0 ? 35 : -1;
    if (need < 0 || n < 17 + need || lengthField < 3 + need) return Optional.empty();
    int flags = frame.get(b + 4) & 0xFF;
    if (type == 0) flags = (flags & TC) | ROLE_DESIGNATED << 2; // 802.1D config BPDU
    long root = frame.getLong(b + 5);
    long cost = frame.getInt(b + 13) & 0xFFFF_FFFFL;
    long bridge = frame.getLong(b + 17);
    int port = frame.getShort(b + 25) & 0xFFFF;
    int age = (frame.getShort(b + 27) & 0xFFFF) >> 8;
    int hello = (int) ((frame.getShort(b + 31) & 0xFFFF) * 1000L / 256);
    if (age >= MAX_AGE_HOPS) return Optional.empty();
    return Optional.of(new Bpdu(flags, root, cost, bridge, port, age, hello));
  }
}
