package io.kubevde.vdeplug;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one plug or netnode port. All counts are frames or bytes since the plug was opened;
 * the hot path only adds to {@link LongAdder}s, it never allocates.
 */
public final class PlugStats {
  private final LongAdder rxFrames = new LongAdder();
  private final LongAdder rxBytes = new LongAdder();
  private final LongAdder txFrames = new LongAdder();
  private final LongAdder txBytes = new LongAdder();
  private final LongAdder malformed = new LongAdder();
  private final LongAdder dropped = new LongAdder();

  /** Counts one frame of {@code bytes} bytes received from the transport and delivered. */
  public void received(int bytes) {
    rxFrames.increment();
    rxBytes.add(bytes);
  }

  /** Counts one frame of {@code bytes} bytes sent on the transport. */
  public void sent(int bytes) {
    txFrames.increment();
    txBytes.add(bytes);
  }

  /**
   * Counts one malformed input (bad header, bad length, wrong VNI, garbage request) that was
   * dropped.
   */
  public void malformed() {
    malformed.increment();
  }

  /**
   * Counts one well-formed frame that could not be delivered (too short, receiver full, no peer
   * yet).
   */
  public void dropped() {
    dropped.increment();
  }

  /** Frames received and delivered. */
  public long rxFrames() {
    return rxFrames.sum();
  }

  /** Bytes received and delivered. */
  public long rxBytes() {
    return rxBytes.sum();
  }

  /** Frames sent. */
  public long txFrames() {
    return txFrames.sum();
  }

  /** Bytes sent. */
  public long txBytes() {
    return txBytes.sum();
  }

  /** Malformed inputs counted and dropped. */
  public long malformedCount() {
    return malformed.sum();
  }

  /** Well-formed frames dropped. */
  public long droppedCount() {
    return dropped.sum();
  }

  @Override
  public String toString() {
    return "rx="
        + rxFrames()
        + "f/"
        + rxBytes()
        + "B tx="
        + txFrames()
        + "f/"
        + txBytes()
        + "B malformed="
        + malformedCount()
        + " dropped="
        + droppedCount();
  }
}
