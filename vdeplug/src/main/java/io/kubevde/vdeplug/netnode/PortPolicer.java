package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.Plug;
import java.nio.ByteBuffer;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Enforces one port's {@link PortLimits}: ingress policing ({@link #admit}) and storm control
 * ({@link #admitFlood}), and counts every frame it refuses by {@link DropReason}. The checks run on
 * the port's reader thread (ingress) or under the node's forwarding lock (flood), never
 * concurrently for one port; the counters may be read from any thread. No allocation per frame.
 */
public final class PortPolicer {
  /** The longest {@link #pauseNanos} answers: 10 ms (nanoseconds). */
  public static final long MAX_PAUSE_NANOS = 10_000_000L;

  /**
   * Refusals in a row (no frame passed the refusing check in between) after which {@link
   * #pauseNanos} pauses the reader: a short burst over the limit is dropped as it comes, a
   * sustained storm is read at the limit's pace.
   */
  public static final int PAUSE_AFTER_REFUSALS = 16;

  private final PortLimits limits;
  private final TokenBucket frames;
  private final TokenBucket bytes;
  private final TokenBucket flood;
  private final LongAdder[] drops = new LongAdder[DropReason.values().length];
  private TokenBucket refusedBy;
  private long refusedTokens;
  private int refusedInRow;

  /**
   * A policer enforcing {@code limits}, buckets full at {@code now} ({@link System#nanoTime()}).
   */
  public PortPolicer(PortLimits limits, long now) {
    this.limits = limits;
    long f = limits.framesPerSecond();
    long b = limits.bytesPerSecond();
    long s = limits.floodFramesPerSecond();
    this.frames = f == 0 ? null : new TokenBucket(f, limits.depth(f, 1), now);
    this.bytes = b == 0 ? null : new TokenBucket(b, limits.depth(b, Plug.MAX_FRAME + 4), now);
    this.flood = s == 0 ? null : new TokenBucket(s, limits.depth(s, 1), now);
    for (int i = 0; i < drops.length; i++) drops[i] = new LongAdder();
  }

  /** A policer that never drops (the host port). */
  static PortPolicer unlimited() {
    return new PortPolicer(PortLimits.NONE, 0);
  }

  /** The limits enforced. */
  public PortLimits limits() {
    return limits;
  }

  /**
   * Ingress policing: whether a frame of {@code length} bytes arriving at {@code now} may enter;
   * counted as {@link DropReason#POLICED_FRAMES} or {@link DropReason#POLICED_BYTES} when not (the
   * frame bucket is charged first, so a frame refused for its bytes still spent a frame token).
   */
  public boolean admit(int length) {
    return (frames == null && bytes == null) || admit(length, System.nanoTime());
  }

  /** {@link #admit(int)} at {@code now} ({@link System#nanoTime()}). */
  boolean admit(int length, long now) {
    if (frames != null && !frames.take(1, now)) {
      drops[DropReason.POLICED_FRAMES.ordinal()].increment();
      return refused(frames, 1);
    }
    if (bytes != null && !bytes.take(length, now)) {
      drops[DropReason.POLICED_BYTES.ordinal()].increment();
      return refused(bytes, length);
    }
    refusedInRow = 0;
    return true;
  }

  /**
   * Storm control: whether {@code frame} (at its position: destination MAC first), which the policy
   * is about to flood, may be flooded now; counted by its class when not.
   */
  public boolean admitFlood(ByteBuffer frame) {
    if (flood == null || flood.take(1, System.nanoTime())) {
      refusedInRow = 0;
      return true;
    }
    drops[classOf(frame).ordinal()].increment();
    return refused(flood, 1);
  }

  private boolean refused(TokenBucket bucket, long tokens) {
    if (++refusedInRow >= PAUSE_AFTER_REFUSALS) {
      refusedBy = bucket;
      refusedTokens = tokens;
      refusedInRow = 0;
    }
    return false;
  }

  /**
   * After {@link #PAUSE_AFTER_REFUSALS} refusals in a row, how long the port's reader should stop
   * reading: the time until the bucket that refused the last frame could pass one like it, at most
   * {@link #MAX_PAUSE_NANOS}; otherwise 0. The call clears the pending pause. A port over its limit
   * is so read at the limit's pace: the excess waits in, and overflows from, the kernel's queue (a
   * tap's {@code tx_dropped}, a datagram client's socket buffer) instead of costing the node a read
   * and a drop per frame (issue 11: a 100k frames/s flood cost the switch reader ~0.9 us per
   * frame). Called by the port's reader thread after each frame.
   *
   * @return nanoseconds, 0..{@link #MAX_PAUSE_NANOS}
   */
  public long pauseNanos() {
    return refusedBy == null ? 0 : pauseNanos(System.nanoTime());
  }

  /** {@link #pauseNanos()} at {@code now} ({@link System#nanoTime()}). */
  long pauseNanos(long now) {
    TokenBucket b = refusedBy;
    if (b == null) return 0;
    refusedBy = null;
    return Math.min(MAX_PAUSE_NANOS, b.nanosUntil(refusedTokens, now));
  }

  /** The storm-control class of a frame by its destination MAC. */
  static DropReason classOf(ByteBuffer frame) {
    int p = frame.position();
    if ((frame.get(p) & 1) == 0) return DropReason.STORM_UNKNOWN_UNICAST;
    boolean broadcast = frame.getInt(p) == -1 && frame.getShort(p + 4) == -1;
    return broadcast ? DropReason.STORM_BROADCAST : DropReason.STORM_MULTICAST;
  }

  /** Frames dropped so far for {@code reason}. */
  public long dropped(DropReason reason) {
    return drops[reason.ordinal()].sum();
  }

  /** Frames dropped so far by any reason. */
  public long droppedTotal() {
    long n = 0;
    for (LongAdder a : drops) n += a.sum();
    return n;
  }

  /** A snapshot of every reason's count, in {@link DropReason} order. */
  public Map<DropReason, Long> dropsByReason() {
    Map<DropReason, Long> out = new EnumMap<>(DropReason.class);
    for (DropReason r : DropReason.values()) out.put(r, dropped(r));
    return out;
  }
}
