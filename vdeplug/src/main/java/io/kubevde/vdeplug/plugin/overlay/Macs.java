package io.kubevde.vdeplug.plugin.overlay;

import java.nio.ByteBuffer;

/** Ethernet MAC helpers over frames in {@link ByteBuffer}s, without allocation. */
public final class Macs {
  private Macs() {}

  /**
   * The 48-bit MAC at absolute index {@code at} of {@code buf} as a long (first byte most
   * significant).
   */
  public static long macAt(ByteBuffer buf, int at) {
    long hi = buf.get(at) & 0xFFL;
    long v = hi;
    for (int i = 1; i < 6; i++) v = (v << 8) | (buf.get(at + i) & 0xFFL);
    return v;
  }

  /** The destination MAC of the frame starting at absolute index {@code at} (frame bytes 0..5). */
  public static long destination(ByteBuffer buf, int at) {
    return macAt(buf, at);
  }

  /** The source MAC of the frame starting at absolute index {@code at} (frame bytes 6..11). */
  public static long source(ByteBuffer buf, int at) {
    return macAt(buf, at + 6);
  }

  /** Whether a MAC (as from {@link #macAt}) has the group bit set: broadcast or multicast. */
  public static boolean isGroup(long mac) {
    return (mac & 0x0100_0000_0000L) != 0;
  }

  /** {@code aa:bb:cc:dd:ee:ff} for a MAC long. */
  public static String format(long mac) {
    StringBuilder b = new StringBuilder(17);
    for (int i = 5; i >= 0; i--) {
      int v = (int) (mac >>> (8 * i)) & 0xFF;
      if (b.length() > 0) b.append(':');
      b.append(Character.forDigit(v >>> 4, 16)).append(Character.forDigit(v & 0xF, 16));
    }
    return b.toString();
  }
}
