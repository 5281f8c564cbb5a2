package io.kubevde.vdeplug.offload;

import io.kubevde.vdeplug.GsoInfo;
import java.nio.ByteBuffer;

/**
 * Merges consecutive TCP segments of one flow into one super-frame for a tap opened with {@code
 * IFF_VNET_HDR} (GRO, offloads.md §5), under the kernel's rules: the same Ethernet header, the same
 * IP header apart from length, ID (which must go up by one per segment) and checksum, the same
 * ports, ACK number, TCP flags (apart from PSH) and options; contiguous sequence numbers; every
 * payload as long as the first except the last, which may be shorter and then ends the run; no SYN,
 * FIN, RST, URG or CWR in an appended segment; a PSH ends the run; at most 64 KiB of IP packet. No
 * IPv4 options, no IPv6 extension headers, no fragments.
 *
 * <p>Use: {@link #start} with the first frame already in the output buffer, then {@link #append}
 * each candidate until it returns false, then {@link #finish}. A run of two or more segments is
 * marked {@code GSO_TCPV4/6} with {@code NEEDS_CSUM} and the pseudo-header sum in the TCP checksum
 * field; a run of one is left exactly as it arrived (its checksum complete). Checksums of the
 * merged segments are not verified: the outer UDP checksum covered them on the way (a peer that
 * sends zero UDP checksums over IPv4 loses that cover). Reused; allocates nothing; not thread-safe.
 */
public final class TcpCoalescer implements FrameCoalescer {
  private static final int IP_MAX = 65535;

  private final FrameLayout first = new FrameLayout();
  private final FrameLayout next = new FrameLayout();
  private ByteBuffer out;
  private int off;
  private int len;
  private int limit;
  private int mss;
  private int segments;
  private int nextSeq;
  private int nextId;
  private boolean open;
  private int lastFlags;

  /**
   * Starts a run with the frame {@code out[off, off + len)}; later segments are appended to it, up
   * to {@code limit} (an absolute index of {@code out}).
   *
   * @return whether the frame can take followers (an IPv4/IPv6 TCP segment with payload and none of
   *     SYN, FIN, RST, URG, PSH); when false, {@link #finish} leaves the frame as it is
   */
  @Override
  public boolean start(ByteBuffer out, int off, int len, int limit) {
    this.out = out;
    this.off = off;
    this.len = len;
    this.limit = limit;
    this.segments = 1;
    this.open = false;
    if (!first.parse(out, off, len) || first.proto != FrameLayout.TCP) return false;
    if (!first.v6 && first.l4 - first.l3 != 20) return false;
    if (first.end != off + len) return false; // Ethernet padding or a short frame
    int flags = out.get(first.l4 + 13) & 0xFF;
    if ((flags & (0x01 | 0x02 | 0x04 | 0x20 | 0x08)) != 0) return false;
    mss = first.end - first.payload;
    if (mss <= 0) return false;
    nextSeq = InetChecksum.get32(out, first.l4 + 4) + mss;
    nextId = first.v6 ? 0 : (InetChecksum.get16(out, first.l3 + 4) + 1) & 0xFFFF;
    lastFlags = flags;
    open = true;
    return true;
  }

  /**
   * Appends the segment {@code src[soff, soff + slen)} if it continues the run.
   *
   * @return whether it was appended (its payload copied after the frame); false leaves the run
   *     unchanged, and the segment is the caller's to deliver on its own
   */
  @Override
  public boolean append(ByteBuffer src, int soff, int slen) {
    if (!open) return false;
    if (!next.parse(src, soff, slen) || next.proto != FrameLayout.TCP) return false;
    int hdr = first.payload - off;
    if (next.payload - soff != hdr || next.l3 - soff != first.l3 - off || next.v6 != first.v6)
      return false;
    if (next.end != soff + slen) return false;
    int pl = next.end - next.payload;
    if (pl <= 0 || pl > mss) return false;
    if (len + pl > limit - off || (len - (first.l3 - off)) + pl > IP_MAX) return false;
    if (!SameFlow.matches(src, soff, out, off, first, nextId)) return false;
    int l4 = first.l4 - off;
    if (InetChecksum.get32(src, soff + l4 + 4) != nextSeq) return false;
    if (!same(src, soff + l4 + 8, off + l4 + 8, 5)) return false; // ACK number, data offset
    int flags = src.get(soff + l4 + 13) & 0xFF;
    if ((flags & ~0x08) != (lastFlags & ~0x08)) return false;
    if (!same(src, soff + l4 + 20, off + l4 + 20, first.l4Len - 20)) return false; // options
    out.put(off + len, src, next.payload, pl);
    InetChecksum.put16(out, off + l4 + 14, InetChecksum.get16(src, soff + l4 + 14)); // window
    len += pl;
    segments++;
    nextSeq += pl;
    nextId = (nextId + 1) & 0xFFFF;
    if ((flags & 0x08) != 0) {
      out.put(off + l4 + 13, (byte) (lastFlags | 0x08));
      open = false;
    }
    if (pl < mss) open = false;
    return true;
  }

  /** Segments in the current run. */
  public int segments() {
    return segments;
  }

  /**
   * Ends the run: fixes the IP length (and IPv4 header checksum) and the TCP checksum field, and
   * fills {@code info}.
   *
   * @return the length of the frame at {@code off} in bytes
   */
  @Override
  public int finish(GsoInfo info) {
    info.clear();
    open = false;
    if (segments < 2) return len;
    int l3 = first.l3;
    int l4 = first.l4;
    int l4Length = off + len - l4;
    SameFlow.fixIpLength(out, first, l4Length);
    long pseudo = InetChecksum.pseudoHeader(out, l3, first.v6, FrameLayout.TCP, l4Length);
    InetChecksum.put16(out, l4 + 16, InetChecksum.fold(pseudo));
    info.flags = GsoInfo.NEEDS_CSUM;
    info.gsoType = first.v6 ? GsoInfo.GSO_TCPV6 : GsoInfo.GSO_TCPV4;
    info.gsoSize = mss;
    info.hdrLen = first.payload - off;
    info.csumStart = l4 - off;
    info.csumOffset = 16;
    return len;
  }

  private boolean same(ByteBuffer src, int soff, int ooff, int n) {
    return SameFlow.same(src, soff, out, ooff, n);
  }
}
