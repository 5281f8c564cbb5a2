package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.offload.Segmenter;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.LongAdder;

/**
 * The super-frame (offloads.md §1, §3) a {@link Netnode} is forwarding, if any: set by the engine
 * around one {@link ForwardingPolicy#forward} call, read by {@link NetnodePort#deliver}. A port
 * whose plug takes super-frames gets it whole; for every other port (a {@code vde://} client, the
 * host, a plug without offloads) it is cut here, once per frame and only when such a port is among
 * the destinations, into ordinary frames of at most the sender's {@code gso_size} payload with
 * complete checksums ({@link Segmenter}), which are then delivered one by one. A super-frame that
 * does not parse as its {@link GsoInfo} says is dropped for those ports and counted ({@link
 * #malformed()}).
 *
 * <p>Threads: used only with the engine's forwarding lock held. The segment buffer ({@link
 * OffloadPlug#MAX_SUPER_FRAME} + {@link Segmenter#MAX_SEGMENTS} × 256 bytes, direct) is allocated
 * at the first super-frame that needs cutting.
 */
final class SuperFrames {
  private static final int SEGMENT_BUFFER =
      OffloadPlug.MAX_SUPER_FRAME + Segmenter.MAX_SEGMENTS * 256;
  private final Segmenter segmenter = new Segmenter();
  private final LongAdder received = new LongAdder();
  private final LongAdder cut = new LongAdder();
  private final LongAdder malformed = new LongAdder();
  private ByteBuffer segments;
  private ByteBuffer view;
  private GsoInfo current;
  private ByteBuffer frame;
  private int position;
  private int length;
  // segments of the current frame: -1 = not cut yet, -2 = does not parse
  private int count;

  /** Starts forwarding {@code frame} (position..limit), a super-frame described by {@code info}. */
  void begin(ByteBuffer frame, GsoInfo info) {
    this.current = info;
    this.frame = frame;
    this.position = frame.position();
    this.length = frame.remaining();
    this.count = -1;
    received.increment();
  }

  /** Ends forwarding the current super-frame. */
  void end() {
    current = null;
    frame = null;
  }

  /** The current super-frame's description, or null while an ordinary frame is forwarded. */
  GsoInfo current() {
    return current;
  }

  /**
   * Delivers the current super-frame to {@code port} as ordinary frames ({@link
   * NetnodePort#transmit} per segment), cutting it at the first call for this frame. A frame that
   * does not parse counts one drop on the port (and once in {@link #malformed()}).
   */
  void transmitSegments(NetnodePort port) {
    if (count == -1) {
      if (segments == null) {
        segments = ByteBuffer.allocateDirect(SEGMENT_BUFFER);
        view = segments.duplicate();
      }
      count =
          segmenter.segment(frame, position, length, current, segments, 0, OffloadPlug.HEADROOM);
      if (count < 0) {
        count = -2;
        malformed.increment();
      } else {
        cut.increment();
      }
    }
    if (count < 0) {
      port.stats().dropped();
      return;
    }
    int stride = segmenter.stride();
    for (int k = 0; k < count; k++) {
      int len = k == count - 1 ? segmenter.lastLength() : segmenter.segmentLength();
      int off = k * stride + OffloadPlug.HEADROOM; // headroom: a tap puts its header there
      view.limit(off + len).position(off);
      port.transmit(view);
    }
  }

  /** Super-frames that entered the node (frames). */
  long received() {
    return received.sum();
  }

  /** Super-frames cut into ordinary frames for at least one port (frames). */
  long cut() {
    return cut.sum();
  }

  /** Super-frames that did not parse as their GSO description said (frames, dropped). */
  long malformed() {
    return malformed.sum();
  }
}
