package io.kubevde.vdeplug.offload;

import io.kubevde.vdeplug.GsoInfo;
import java.nio.ByteBuffer;

/**
 * Merges consecutive UDP datagrams of one flow into one {@code GSO_UDP_L4} super-frame for a tap
 * opened with {@code IFF_VNET_HDR} and USO (Linux ≥ 6.2), under the kernel's UDP GRO rules: the
 * same Ethernet header, the same IP header apart from length, ID (which must go up by one per
 * datagram) and checksum, the same ports; every payload as long as the first except the last, which
 * may be shorter and then ends the run; at most {@value #MAX_SEGMENTS} datagrams and 64 KiB of IP
 * packet. No IPv4 options, no IPv6 extension headers, no fragments, no empty payloads. The kernel
 * cuts the super-frame back into the original datagrams when it delivers it to a socket without
 * {@code UDP_GRO} or forwards it, so the pod sees what was sent, with one tap write per run.
 *
 * <p>Use as {@link TcpCoalescer}: {@link #start}, {@link #append} until false, {@link #finish}. A
 * run of one is left exactly as it arrived. Reused; allocates nothing; not thread-safe.
 */
public final class UdpCoalescer implements FrameCoalescer {
  /** Most datagrams in one run (the kernel's UDP_MAX_SEGMENTS on older kernels). */
  public static final int MAX_SEGMENTS = 64;

  private static final int IP_MAX = 65535;

  private final FrameLayout first = new FrameLayout();
  private final FrameLayout next = new FrameLayout();
  private ByteBuffer out;
  private int off;
  private int len;
  private int limit;
  private int size;
  private int segments;
  private int nextId;
  private boolean open;

  /**
   * Starts a run with the frame {@code out[off, off + len)}; later datagrams are appended to it, up
   * to {@code limit} (an absolute index of {@code out}).
   *
   * @return whether the frame can take followers (an IPv4/IPv6 UDP datagram with a payload)
   */
  @Override
  public boolean start(ByteBuffer out, int off, int len, int limit) {
    this.out = out;
    this.off = off;
    this.len = len;
    this.limit = limit;
    this.segments = 1;
    this.open = false;
    if (!first.parse(out, off, len) || first.proto != FrameLayout.UDP) return false;
    if (!first.v6 && first.l4 - first.l3 != 20) return false;
    if (first.end != off + len) return false;
    if (InetChecksum.get16(out, first.l4 + 4) != first.end - first.l4) return false;
    size = first.end - first.payload;
    if (size <= 0) return false;
    nextId = first.v6 ? 0 : (InetChecksum.get16(out, first.l3 + 4) + 1) & 0xFFFF;
    open = true;
    return true;
  }

  /**
   * Appends the datagram {@code src[soff, soff + slen)} if it continues the run.
   *
   * @return whether it was appended; false leaves the run unchanged
   */
  @Override
  public boolean append(ByteBuffer src, int soff, int slen) {
    if (!open || segments >= MAX_SEGMENTS) return false;
    if (!next.parse(src, soff, slen) || next.proto != FrameLayout.UDP) return false;
    int hdr = first.payload - off;
    if (next.payload - soff != hdr || next.l3 - soff != first.l3 - off || next.v6 != first.v6)
      return false;
    if (next.end != soff + slen) return false;
    int pl = next.end - next.payload;
    if (pl <= 0 || pl > size) return false;
    if (InetChecksum.get16(src, next.l4 + 4) != 8 + pl) return false;
    if (len + pl > limit - off || (len - (first.l3 - off)) + pl > IP_MAX) return false;
    if (!SameFlow.matches(src, soff, out, off, first, nextId)) return false;
    out.put(off + len, src, next.payload, pl);
    len += pl;
    segments++;
    nextId = (nextId + 1) & 0xFFFF;
    if (pl < size) open = false;
    return true;
  }

  /** Datagrams in the current run. */
  public int segments() {
    return segments;
  }

  /**
   * Ends the run: fixes the IP and UDP lengths (and the IPv4 header checksum), puts the
   * pseudo-header sum in the UDP checksum field and fills {@code info} ({@code GSO_UDP_L4}, {@code
   * NEEDS_CSUM}) when two or more datagrams were merged; else clears it.
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
    InetChecksum.put16(out, l4 + 4, l4Length);
    long pseudo = InetChecksum.pseudoHeader(out, l3, first.v6, FrameLayout.UDP, l4Length);
    InetChecksum.put16(out, l4 + 6, InetChecksum.fold(pseudo));
    info.flags = GsoInfo.NEEDS_CSUM;
    info.gsoType = GsoInfo.GSO_UDP_L4;
    info.gsoSize = size;
    info.hdrLen = first.payload - off;
    info.csumStart = l4 - off;
    info.csumOffset = 6;
    return len;
  }
}
