package io.kubevde.vdeplug.offload;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Internet checksum (RFC 1071) over bytes of a buffer, read eight at a time. Sums are kept
 * unfolded in a {@code long} until {@link #fold}; they are valid for regions of up to 2^31 bytes.
 * Absolute indices; the buffer's position and limit are not used.
 */
public final class InetChecksum {
  private InetChecksum() {}

  /**
   * Adds bytes {@code [off, off + len)} as big-endian 16-bit words to {@code sum} (a trailing odd
   * byte counts as its high half).
   */
  public static long add(ByteBuffer b, int off, int len, long sum) {
    int i = off;
    int end = off + len;
    boolean big = b.order() == ByteOrder.BIG_ENDIAN;
    for (; i + 8 <= end; i += 8) {
      long v = b.getLong(i);
      if (!big) v = Long.reverseBytes(v);
      sum += (v >>> 32) + (v & 0xFFFF_FFFFL);
    }
    for (; i + 2 <= end; i += 2) sum += ((b.get(i) & 0xFF) << 8) | (b.get(i + 1) & 0xFF);
    if (i < end) sum += (b.get(i) & 0xFF) << 8;
    return sum;
  }

  /** Folds an unfolded sum to 16 bits (end-around carry); not inverted. */
  public static int fold(long sum) {
    while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
    return (int) sum;
  }

  /** The checksum field value for a region whose unfolded sum (field zero) is {@code sum}. */
  public static int finish(long sum) {
    return ~fold(sum) & 0xFFFF;
  }

  /**
   * The unfolded pseudo-header sum of an IPv4 or IPv6 packet whose IP header starts at {@code l3}:
   * source and destination address, protocol and L4 length (RFC 793 / RFC 8200 §8.1).
   */
  public static long pseudoHeader(ByteBuffer b, int l3, boolean v6, int proto, int l4Length) {
    long sum = v6 ? add(b, l3 + 8, 32, 0) : add(b, l3 + 12, 8, 0);
    return sum + proto + l4Length;
  }

  /** Writes a 16-bit big-endian value at {@code off}. */
  static void put16(ByteBuffer b, int off, int v) {
    b.put(off, (byte) (v >>> 8)).put(off + 1, (byte) v);
  }

  /** Reads a 16-bit big-endian value at {@code off}. */
  static int get16(ByteBuffer b, int off) {
    return ((b.get(off) & 0xFF) << 8) | (b.get(off + 1) & 0xFF);
  }

  /** Reads a 32-bit big-endian value at {@code off}. */
  static int get32(ByteBuffer b, int off) {
    return (get16(b, off) << 16) | get16(b, off + 2);
  }

  /** Writes a 32-bit big-endian value at {@code off}. */
  static void put32(ByteBuffer b, int off, int v) {
    put16(b, off, v >>> 16);
    put16(b, off + 2, v);
  }

  /** Recomputes the IPv4 header checksum of the header at {@code l3} ({@code ihl} bytes). */
  static void ipv4HeaderChecksum(ByteBuffer b, int l3, int ihl) {
    put16(b, l3 + 10, 0);
    put16(b, l3 + 10, finish(add(b, l3, ihl, 0)));
  }
}
