package io.kubevde.vdeplug.offload;

import java.nio.ByteBuffer;

/**
 * What {@link TcpCoalescer} and {@link UdpCoalescer} share: whether a segment belongs to the run
 * being built (the kernel's GRO rules: same Ethernet header, same IP header but for lengths and
 * checksum, IPv4 ID one more than the last, same ports), and fixing the IP lengths of the merged
 * frame. Pure functions over the two buffers; no allocation.
 */
final class SameFlow {
  private SameFlow() {}

  /**
   * Whether the segment at {@code soff} of {@code src} has the run's Ethernet and IP headers and
   * ports; {@code out} holds the run's first frame at {@code off}, laid out as {@code first}.
   *
   * @param nextId the IPv4 ID the segment must carry (ignored for IPv6)
   */
  static boolean matches(
      ByteBuffer src, int soff, ByteBuffer out, int off, FrameLayout first, int nextId) {
    int l3 = first.l3 - off;
    if (!same(src, soff, out, off, l3)) return false; // Ethernet header (and VLAN tag)
    if (first.v6) {
      // version/traffic class/flow label; next header, hop limit, addresses
      if (!same(src, soff + l3, out, off + l3, 4)
          || !same(src, soff + l3 + 6, out, off + l3 + 6, 34)) return false;
    } else {
      // version/IHL/TOS; flags/fragment, TTL, protocol; addresses
      if (!same(src, soff + l3, out, off + l3, 2)
          || !same(src, soff + l3 + 6, out, off + l3 + 6, 4)
          || !same(src, soff + l3 + 12, out, off + l3 + 12, 8)) return false;
      if (InetChecksum.get16(src, soff + l3 + 4) != nextId) return false;
    }
    int l4 = first.l4 - off;
    return same(src, soff + l4, out, off + l4, 4); // ports
  }

  /**
   * Writes the merged frame's IP length (IPv6 payload length, or IPv4 total length and header
   * checksum) for an L4 part of {@code l4Length} bytes.
   */
  static void fixIpLength(ByteBuffer out, FrameLayout first, int l4Length) {
    if (first.v6) {
      InetChecksum.put16(out, first.l3 + 4, l4Length);
    } else {
      InetChecksum.put16(out, first.l3 + 2, first.l4 - first.l3 + l4Length);
      InetChecksum.ipv4HeaderChecksum(out, first.l3, first.l4 - first.l3);
    }
  }

  /**
   * Whether {@code n} bytes at {@code aoff} of {@code a} equal those at {@code boff} of {@code b}.
   */
  static boolean same(ByteBuffer a, int aoff, ByteBuffer b, int boff, int n) {
    for (int i = 0; i < n; i++) if (a.get(aoff + i) != b.get(boff + i)) return false;
    return true;
  }
}
