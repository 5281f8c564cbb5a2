package io.kubevde.vdeplug.offload;

import java.nio.ByteBuffer;

/**
 * Builds Ethernet + IPv4/IPv6 + TCP/UDP frames for the offload tests, and checks checksums the slow
 * way (16-bit words, independent of {@link InetChecksum}).
 */
final class TcpFrames {
  private TcpFrames() {}

  /** What to build. */
  record Spec(
      boolean v6,
      boolean udp,
      boolean vlan,
      int optionWords,
      int ipId,
      int seq,
      int ack,
      int flags,
      int window,
      byte[] payload) {}

  static int l3(Spec s) {
    return s.vlan() ? 18 : 14;
  }

  static int l4(Spec s) {
    return l3(s) + (s.v6() ? 40 : 20);
  }

  static int headerLength(Spec s) {
    return l4(s) + (s.udp() ? 8 : 20 + 4 * s.optionWords());
  }

  /**
   * Writes the frame at {@code off} of {@code b} with IP lengths set for the whole packet and an L4
   * checksum field of 0; returns its length.
   */
  static int write(ByteBuffer b, int off, Spec s) {
    int l3 = off + l3(s);
    int l4 = off + l4(s);
    int hdr = headerLength(s);
    int len = hdr + s.payload().length;
    for (int i = 0; i < 6; i++) b.put(off + i, (byte) (0x02 + i));
    for (int i = 0; i < 6; i++) b.put(off + 6 + i, (byte) (0x52 + i));
    if (s.vlan()) {
      b.putShort(off + 12, (short) 0x8100).putShort(off + 14, (short) 7);
    }
    b.putShort(l3 - 2, (short) (s.v6() ? 0x86DD : 0x0800));
    int proto = s.udp() ? 17 : 6;
    int l4Len = len - (l4 - off);
    if (s.v6()) {
      b.putInt(l3, 0x6000_0000);
      b.putShort(l3 + 4, (short) l4Len);
      b.put(l3 + 6, (byte) proto).put(l3 + 7, (byte) 64);
      for (int i = 0; i < 16; i++) b.put(l3 + 8 + i, (byte) (0xfd - i));
      for (int i = 0; i < 16; i++) b.put(l3 + 24 + i, (byte) (0x20 + i));
    } else {
      b.put(l3, (byte) 0x45).put(l3 + 1, (byte) 0);
      b.putShort(l3 + 2, (short) (20 + l4Len));
      b.putShort(l3 + 4, (short) s.ipId());
      b.putShort(l3 + 6, (short) 0x4000);
      b.put(l3 + 8, (byte) 64).put(l3 + 9, (byte) proto);
      b.putShort(l3 + 10, (short) 0);
      b.putInt(l3 + 12, 0x0A4D0001).putInt(l3 + 16, 0x0A4D0002);
      b.putShort(l3 + 10, (short) slowChecksum(b, l3, 20, 0));
    }
    if (s.udp()) {
      b.putShort(l4, (short) 40000).putShort(l4 + 2, (short) 5201);
      b.putShort(l4 + 4, (short) l4Len).putShort(l4 + 6, (short) 0);
    } else {
      b.putShort(l4, (short) 40000).putShort(l4 + 2, (short) 5201);
      b.putInt(l4 + 4, s.seq()).putInt(l4 + 8, s.ack());
      b.put(l4 + 12, (byte) ((5 + s.optionWords()) << 4)).put(l4 + 13, (byte) s.flags());
      b.putShort(l4 + 14, (short) s.window()).putShort(l4 + 16, (short) 0);
      b.putShort(l4 + 18, (short) 0);
      for (int i = 0; i < 4 * s.optionWords(); i++) b.put(l4 + 20 + i, (byte) (i == 0 ? 1 : 8 + i));
    }
    b.put(off + hdr, s.payload());
    return len;
  }

  /** The ones' complement sum of 16-bit words, folded, not inverted, plus {@code initial}. */
  static int slowSum(ByteBuffer b, int off, int len, long initial) {
    long sum = initial;
    for (int i = 0; i < len; i += 2) {
      int hi = b.get(off + i) & 0xFF;
      int lo = i + 1 < len ? b.get(off + i + 1) & 0xFF : 0;
      sum += (hi << 8) | lo;
    }
    while ((sum >> 16) != 0) sum = (sum & 0xFFFF) + (sum >> 16);
    return (int) sum;
  }

  static int slowChecksum(ByteBuffer b, int off, int len, long initial) {
    return ~slowSum(b, off, len, initial) & 0xFFFF;
  }

  /** The pseudo-header sum (unfolded) of the packet whose IP header is at {@code l3}. */
  static long slowPseudo(ByteBuffer b, int l3, boolean v6, int proto, int l4Len) {
    long sum = 0;
    int a = v6 ? l3 + 8 : l3 + 12;
    int n = v6 ? 32 : 8;
    for (int i = 0; i < n; i += 2) sum += ((b.get(a + i) & 0xFF) << 8) | (b.get(a + i + 1) & 0xFF);
    return sum + proto + l4Len;
  }

  /**
   * Whether the L4 checksum of the IP packet at {@code l3} ({@code l4Len} bytes of L4) is right.
   */
  static boolean l4ChecksumValid(ByteBuffer b, int l3, int l4, boolean v6, int proto, int l4Len) {
    return slowSum(b, l4, l4Len, slowPseudo(b, l3, v6, proto, l4Len)) == 0xFFFF;
  }
}
