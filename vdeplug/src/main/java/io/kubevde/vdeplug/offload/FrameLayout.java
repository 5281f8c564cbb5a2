package io.kubevde.vdeplug.offload;

import java.nio.ByteBuffer;

/**
 * Where the headers of one Ethernet frame carrying IPv4 or IPv6 and TCP or UDP lie (offsets from
 * the buffer start, absolute). Handles one optional 802.1Q tag; IPv4 options; IPv6 only without
 * extension headers. Every field comes from hostile bytes: {@link #parse} checks each offset
 * against the frame length before it is used. Mutable and reused; not thread-safe.
 */
public final class FrameLayout {
  /** IP protocol number of TCP. */
  public static final int TCP = 6;

  /** IP protocol number of UDP. */
  public static final int UDP = 17;

  /** Offset of the IP header. */
  public int l3;

  /** Whether the IP header is IPv6. */
  public boolean v6;

  /** Offset of the TCP/UDP header. */
  public int l4;

  /** {@link #TCP} or {@link #UDP}. */
  public int proto;

  /** Length of the TCP header (data offset × 4) or 8 for UDP. */
  public int l4Len;

  /** Offset of the first payload byte ({@code l4 + l4Len}). */
  public int payload;

  /** End of the IP packet (its lengths say where), at most the frame end. */
  public int end;

  /**
   * Parses the frame {@code [off, off + len)} of {@code b}.
   *
   * @return whether it is Ethernet (+ one VLAN tag) + IPv4/IPv6 + TCP/UDP with every header inside
   *     the frame; on false the fields are meaningless
   */
  public boolean parse(ByteBuffer b, int off, int len) {
    int frameEnd = off + len;
    if (len < 14) return false;
    int type = InetChecksum.get16(b, off + 12);
    l3 = off + 14;
    if (type == 0x8100) {
      if (len < 18) return false;
      type = InetChecksum.get16(b, off + 16);
      l3 = off + 18;
    }
    int ipTotal;
    if (type == 0x0800) {
      if (l3 + 20 > frameEnd) return false;
      int vihl = b.get(l3) & 0xFF;
      if ((vihl >> 4) != 4) return false;
      int ihl = (vihl & 0x0F) * 4;
      if (ihl < 20 || l3 + ihl > frameEnd) return false;
      if ((InetChecksum.get16(b, l3 + 6) & 0x3FFF) != 0) return false; // a fragment
      v6 = false;
      proto = b.get(l3 + 9) & 0xFF;
      l4 = l3 + ihl;
      ipTotal = InetChecksum.get16(b, l3 + 2);
      if (ipTotal < ihl) return false;
    } else if (type == 0x86DD) {
      if (l3 + 40 > frameEnd) return false;
      if (((b.get(l3) & 0xFF) >> 4) != 6) return false;
      v6 = true;
      proto = b.get(l3 + 6) & 0xFF;
      l4 = l3 + 40;
      ipTotal = 40 + InetChecksum.get16(b, l3 + 4);
    } else {
      return false;
    }
    if (proto == TCP) {
      if (l4 + 20 > frameEnd) return false;
      l4Len = ((b.get(l4 + 12) & 0xFF) >> 4) * 4;
      if (l4Len < 20) return false;
    } else if (proto == UDP) {
      l4Len = 8;
    } else {
      return false;
    }
    payload = l4 + l4Len;
    if (payload > frameEnd) return false;
    end = Math.min(frameEnd, l3 + ipTotal);
    if (end < payload) end = frameEnd; // lengths of a super-frame may not be set: trust the frame
    return true;
  }
}
