package io.kubevde.agent.capture;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Which frames a capture keeps: all of them, or those a set of interfaces sends or receives (source
 * or destination MAC one of theirs, or a broadcast/multicast destination, which reaches every port
 * of the switch), like tcpdump on the pod's own interface. Pure; no allocation per frame.
 */
final class CaptureFilter {
  private final long[] macs;

  private CaptureFilter(long[] macs) {
    this.macs = macs;
  }

  /** Every frame. */
  static CaptureFilter all() {
    return new CaptureFilter(null);
  }

  /** The frames of these MACs ({@code aa:bb:cc:dd:ee:ff}). */
  static CaptureFilter macs(List<String> macs) {
    return new CaptureFilter(macs.stream().mapToLong(CaptureFilter::parse).toArray());
  }

  static long parse(String mac) {
    return Long.parseLong(mac.replace(":", ""), 16);
  }

  /** Whether {@code frame} (destination MAC at its position) is kept. */
  boolean keeps(ByteBuffer frame) {
    if (macs == null) return true;
    int p = frame.position();
    if ((frame.get(p) & 1) != 0) return true;
    long dst = mac48(frame, p);
    long src = mac48(frame, p + 6);
    for (long m : macs) if (m == dst || m == src) return true;
    return false;
  }

  /** Whether {@code frame} was sent by one of the filter's MACs (false for "all"). */
  boolean sentByOneOf(ByteBuffer frame) {
    if (macs == null) return false;
    long src = mac48(frame, frame.position() + 6);
    for (long m : macs) if (m == src) return true;
    return false;
  }

  private static long mac48(ByteBuffer b, int at) {
    return ((b.getShort(at) & 0xFFFFL) << 32) | (b.getInt(at + 2) & 0xFFFFFFFFL);
  }
}
