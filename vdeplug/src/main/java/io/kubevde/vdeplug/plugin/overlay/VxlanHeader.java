package io.kubevde.vdeplug.plugin.overlay;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 8-byte VXLAN header that vxlan (RFC 7348 §5) and vxvde (vde-protocols.md §4.3, §4.4) put
 * before each Ethernet frame in the UDP payload:
 *
 * <pre>
 * byte 0    flags = 0x08 (I bit, "VNI valid")
 * bytes 1-3 0
 * bytes 4-6 VNI, 24-bit big-endian
 * byte 7    0
 * </pre>
 *
 * @param vni the VXLAN network identifier, 0..0xFFFFFF
 */
public record VxlanHeader(int vni) {
  /** Header length in bytes. */
  public static final int LENGTH = 8;

  /** The flags byte with only the I bit set. */
  public static final int FLAGS = 0x08;

  /** The largest VNI (24 bits). */
  public static final int MAX_VNI = 0xFFFFFF;

  public VxlanHeader {
    if (vni < 0 || vni > MAX_VNI)
      throw new IllegalArgumentException("VNI must be 0.." + MAX_VNI + ", got " + vni);
  }

  /** The header as a big-endian 64-bit value (bytes 0..7), for one-compare exact matching. */
  public long asLong() {
    return ((long) FLAGS << 56) | ((long) vni << 8);
  }

  /** Writes the 8 header bytes at {@code buf}'s position and advances it. */
  public void write(ByteBuffer buf) {
    buf.put((byte) FLAGS)
        .put((byte) 0)
        .put((byte) 0)
        .put((byte) 0)
        .put((byte) (vni >>> 16))
        .put((byte) (vni >>> 8))
        .put((byte) vni)
        .put((byte) 0);
  }

  /** The 8 header bytes. */
  public byte[] bytes() {
    ByteBuffer b = ByteBuffer.allocate(LENGTH);
    write(b);
    return b.array();
  }

  /**
   * Whether the 8 bytes at absolute index {@code at} of {@code buf} equal this header exactly
   * (vxvde's rule, vde-protocols.md §4.4 receive step 2). The caller guarantees 8 readable bytes.
   */
  public boolean matchesExactly(ByteBuffer buf, int at) {
    return readLong(buf, at) == asLong();
  }

  /**
   * Whether the bytes at {@code at} carry flags exactly 0x08 and this VNI, other bytes ignored
   * (vxlan's rule, vde-protocols.md §4.3; RFC 7348 §5 says reserved fields are ignored on receipt).
   */
  public boolean matchesFlagsAndVni(ByteBuffer buf, int at) {
    return (buf.get(at) & 0xFF) == FLAGS && vniAt(buf, at) == vni;
  }

  /** The VNI in the header at absolute index {@code at} of {@code buf} (bytes 4..6). */
  public static int vniAt(ByteBuffer buf, int at) {
    return ((buf.get(at + 4) & 0xFF) << 16)
        | ((buf.get(at + 5) & 0xFF) << 8)
        | (buf.get(at + 6) & 0xFF);
  }

  /**
   * Decodes a header from 8 bytes at absolute index {@code at}; null when the flags byte is not
   * 0x08 (the only value RFC 7348 defines).
   */
  public static VxlanHeader decode(ByteBuffer buf, int at) {
    if ((buf.get(at) & 0xFF) != FLAGS) return null;
    return new VxlanHeader(vniAt(buf, at));
  }

  private static long readLong(ByteBuffer buf, int at) {
    return buf.order() == ByteOrder.BIG_ENDIAN
        ? buf.getLong(at)
        : Long.reverseBytes(buf.getLong(at));
  }
}
