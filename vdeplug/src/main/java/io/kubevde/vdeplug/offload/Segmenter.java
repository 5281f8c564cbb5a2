package io.kubevde.vdeplug.offload;

import io.kubevde.vdeplug.GsoInfo;
import java.nio.ByteBuffer;

/**
 * Cuts a super-frame (TCP TSO or UDP USO, as a tap with {@code IFF_VNET_HDR} delivers it) into
 * ordinary frames with complete checksums, following the kernel's GSO rules (offloads.md §2): each
 * segment carries a copy of the headers; IPv4 total length, ID + i and header checksum; IPv6
 * payload length; TCP sequence number + i·gso_size, FIN and PSH only on the last segment, CWR only
 * on the first; UDP length; a full L4 checksum on every segment. Also completes the checksum of a
 * non-GSO frame marked {@link GsoInfo#NEEDS_CSUM}.
 *
 * <p>Output layout: segment {@code i} is written at {@code dstOff + i·stride() + headroom}, where
 * the caller may put its own header in the {@code headroom} bytes before it; every segment has
 * {@link #segmentLength()} bytes except the last, which has {@link #lastLength()}. With headroom 8
 * the result is the layout of a {@code UDP_SEGMENT} send of vxvde datagrams. Reused for every
 * frame; allocates nothing; not thread-safe.
 */
public final class Segmenter {
  /** More segments than this in one super-frame are refused (a hostile gso_size of 1). */
  public static final int MAX_SEGMENTS = 1024;

  private final FrameLayout layout = new FrameLayout();
  private int count;
  private int segmentLength;
  private int lastLength;
  private int stride;

  /** Segments produced by the last {@link #segment} call. */
  public int count() {
    return count;
  }

  /** Length in bytes of every segment but the last. */
  public int segmentLength() {
    return segmentLength;
  }

  /** Length in bytes of the last segment. */
  public int lastLength() {
    return lastLength;
  }

  /** Distance in bytes between the starts of two output slots (headroom + segment length). */
  public int stride() {
    return stride;
  }

  /**
   * Segments the super-frame {@code src[off, off + len)} described by {@code info} (a GSO type
   * TCPV4, TCPV6 or UDP_L4) into {@code dst}.
   *
   * @return the number of segments (≥ 1), or -1 when the frame does not parse as {@code info} says,
   *     {@code gso_size} is 0, there would be more than {@link #MAX_SEGMENTS} segments, or {@code
   *     dst} is too small
   */
  public int segment(
      ByteBuffer src, int off, int len, GsoInfo info, ByteBuffer dst, int dstOff, int headroom) {
    count = 0;
    if (!layout.parse(src, off, len)) return -1;
    int type = info.gsoType & ~GsoInfo.GSO_ECN;
    boolean tcp = type == GsoInfo.GSO_TCPV4 || type == GsoInfo.GSO_TCPV6;
    if (tcp) {
      if (layout.proto != FrameLayout.TCP || layout.v6 != (type == GsoInfo.GSO_TCPV6)) return -1;
    } else if (type == GsoInfo.GSO_UDP_L4) {
      if (layout.proto != FrameLayout.UDP) return -1;
    } else {
      return -1;
    }
    int mss = info.gsoSize;
    if (mss <= 0) return -1;
    int hdr = layout.payload - off; // Ethernet + IP + L4 header bytes
    int payload = len - hdr;
    int n = payload <= 0 ? 1 : (payload + mss - 1) / mss;
    if (n > MAX_SEGMENTS) return -1;
    int last = payload <= 0 ? 0 : payload - (n - 1) * mss;
    stride = headroom + hdr + mss;
    segmentLength = hdr + mss;
    lastLength = hdr + last;
    if (n == 1) segmentLength = lastLength;
    if ((long) dstOff + (long) (n - 1) * stride + headroom + lastLength > dst.capacity()) return -1;

    int l3 = layout.l3 - off;
    int l4 = layout.l4 - off;
    int ihl = l4 - l3;
    int id0 = layout.v6 ? 0 : InetChecksum.get16(src, layout.l3 + 4);
    int seq0 = tcp ? InetChecksum.get32(src, layout.l4 + 4) : 0;
    int flags0 = tcp ? src.get(layout.l4 + 13) & 0xFF : 0;
    for (int i = 0; i < n; i++) {
      int s = dstOff + i * stride + headroom;
      int pl = i == n - 1 ? last : mss;
      dst.put(s, src, off, hdr);
      if (pl > 0) dst.put(s + hdr, src, off + hdr + i * mss, pl);
      int l4Length = hdr - l4 + pl;
      if (layout.v6) {
        InetChecksum.put16(dst, s + l3 + 4, l4Length);
      } else {
        InetChecksum.put16(dst, s + l3 + 2, ihl + l4Length);
        InetChecksum.put16(dst, s + l3 + 4, id0 + i);
        InetChecksum.ipv4HeaderChecksum(dst, s + l3, ihl);
      }
      int csumField;
      if (tcp) {
        InetChecksum.put32(dst, s + l4 + 4, seq0 + i * mss);
        int f = flags0;
        if (i < n - 1) f &= ~(0x01 | 0x08); // FIN, PSH only on the last segment
        if (i > 0) f &= ~0x80; // CWR only on the first
        dst.put(s + l4 + 13, (byte) f);
        csumField = s + l4 + 16;
      } else {
        InetChecksum.put16(dst, s + l4 + 4, l4Length);
        csumField = s + l4 + 6;
      }
      InetChecksum.put16(dst, csumField, 0);
      long sum =
          InetChecksum.pseudoHeader(dst, s + l3, layout.v6, layout.proto, l4Length)
              + InetChecksum.add(dst, s + l4, l4Length, 0);
      int c = InetChecksum.finish(sum);
      if (!tcp && c == 0) c = 0xFFFF;
      InetChecksum.put16(dst, csumField, c);
    }
    count = n;
    return n;
  }

  /**
   * Completes the L4 checksum of the non-GSO frame {@code b[off, off + len)} marked {@link
   * GsoInfo#NEEDS_CSUM} in place: the field at {@code csumStart + csumOffset} holds the
   * pseudo-header sum; the sum runs from {@code csumStart} to the end of the IP packet (or of the
   * frame when it is not IP). A frame not so marked is left alone.
   *
   * @return false when the offsets lie outside the frame (the frame is left alone: drop it)
   */
  public boolean completeChecksum(ByteBuffer b, int off, int len, GsoInfo info) {
    if ((info.flags & GsoInfo.NEEDS_CSUM) == 0) return true;
    int start = off + info.csumStart;
    int field = start + info.csumOffset;
    int end = layout.parse(b, off, len) ? layout.end : off + len;
    if (info.csumStart < 14 || field + 2 > end || field + 2 > off + len) return false;
    int c = InetChecksum.finish(InetChecksum.add(b, start, end - start, 0));
    if (info.csumOffset == 6 && c == 0) c = 0xFFFF; // UDP sends 0xFFFF for a zero sum
    InetChecksum.put16(b, field, c);
    return true;
  }
}
