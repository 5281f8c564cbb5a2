package io.kubevde.vdeplug;

import java.nio.ByteBuffer;

/**
 * What the kernel's {@code struct virtio_net_hdr} (10 bytes, little-endian, {@code
 * linux/virtio_net.h}) says about one frame: whether its L4 checksum is still to be completed
 * ({@link #NEEDS_CSUM}, with {@link #csumStart} / {@link #csumOffset} counted from the first byte
 * of the Ethernet header) and whether it is a super-frame the receiver must cut into segments of
 * {@link #gsoSize} payload bytes ({@link #gsoType}). See offloads.md §1 and §5.
 *
 * <p>Mutable on purpose: one instance is owned by a pump and reused for every frame, so the hot
 * path allocates nothing. Not thread-safe.
 */
public final class GsoInfo {
  /** Length in bytes of the header on a tap opened with {@code IFF_VNET_HDR}. */
  public static final int VNET_HDR_LEN = 10;

  /**
   * {@code VIRTIO_NET_HDR_F_NEEDS_CSUM}: the L4 checksum field holds only the pseudo-header sum.
   */
  public static final int NEEDS_CSUM = 1;

  /** {@code VIRTIO_NET_HDR_F_DATA_VALID}: the checksums were verified. */
  public static final int DATA_VALID = 2;

  /** {@code VIRTIO_NET_HDR_GSO_NONE}: an ordinary frame. */
  public static final int GSO_NONE = 0;

  /** {@code VIRTIO_NET_HDR_GSO_TCPV4}. */
  public static final int GSO_TCPV4 = 1;

  /** {@code VIRTIO_NET_HDR_GSO_TCPV6}. */
  public static final int GSO_TCPV6 = 4;

  /** {@code VIRTIO_NET_HDR_GSO_UDP_L4} (USO, Linux ≥ 6.2). */
  public static final int GSO_UDP_L4 = 5;

  /** {@code VIRTIO_NET_HDR_GSO_ECN} bit. */
  public static final int GSO_ECN = 0x80;

  /** Flags ({@link #NEEDS_CSUM}, {@link #DATA_VALID}). */
  public int flags;

  /**
   * {@link #GSO_NONE}, {@link #GSO_TCPV4}, {@link #GSO_TCPV6} or {@link #GSO_UDP_L4}, maybe | ECN.
   */
  public int gsoType;

  /** Bytes of headers (Ethernet + IP + L4) of a super-frame (a hint only: recomputed). */
  public int hdrLen;

  /** Payload bytes per segment of a super-frame. */
  public int gsoSize;

  /** Offset of the L4 header from the frame start, when {@link #NEEDS_CSUM}. */
  public int csumStart;

  /** Offset of the checksum field from {@link #csumStart}, when {@link #NEEDS_CSUM}. */
  public int csumOffset;

  /** Resets to "an ordinary frame with complete checksums". */
  public GsoInfo clear() {
    flags = 0;
    gsoType = GSO_NONE;
    hdrLen = 0;
    gsoSize = 0;
    csumStart = 0;
    csumOffset = 0;
    return this;
  }

  /** Whether this describes an ordinary frame with complete checksums (nothing to do). */
  public boolean plain() {
    return (flags & NEEDS_CSUM) == 0 && (gsoType & ~GSO_ECN) == GSO_NONE;
  }

  /** Whether the frame is a super-frame ({@link #gsoType} other than none). */
  public boolean isGso() {
    return (gsoType & ~GSO_ECN) != GSO_NONE;
  }

  /** Reads a virtio_net_hdr at absolute offset {@code off} of {@code b}. */
  public GsoInfo read(ByteBuffer b, int off) {
    flags = b.get(off) & 0xFF;
    gsoType = b.get(off + 1) & 0xFF;
    hdrLen = u16le(b, off + 2);
    gsoSize = u16le(b, off + 4);
    csumStart = u16le(b, off + 6);
    csumOffset = u16le(b, off + 8);
    return this;
  }

  /** Writes this as a virtio_net_hdr at absolute offset {@code off} of {@code b}. */
  public void write(ByteBuffer b, int off) {
    b.put(off, (byte) flags).put(off + 1, (byte) gsoType);
    put16le(b, off + 2, hdrLen);
    put16le(b, off + 4, gsoSize);
    put16le(b, off + 6, csumStart);
    put16le(b, off + 8, csumOffset);
  }

  private static int u16le(ByteBuffer b, int off) {
    return (b.get(off) & 0xFF) | (b.get(off + 1) & 0xFF) << 8;
  }

  private static void put16le(ByteBuffer b, int off, int v) {
    b.put(off, (byte) v).put(off + 1, (byte) (v >>> 8));
  }

  @Override
  public String toString() {
    return "GsoInfo[flags="
        + flags
        + " type="
        + gsoType
        + " hdrLen="
        + hdrLen
        + " gsoSize="
        + gsoSize
        + " csum="
        + csumStart
        + "+"
        + csumOffset
        + "]";
  }
}
