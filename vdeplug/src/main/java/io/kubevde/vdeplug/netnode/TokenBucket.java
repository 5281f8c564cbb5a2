package io.kubevde.vdeplug.netnode;

/**
 * A token bucket: {@code rate} tokens per second, holding at most {@code capacity} tokens (the
 * burst), full at creation. {@link #take} spends tokens when there are enough. Integer arithmetic
 * in token-nanoseconds (one token = 10^9 units), so rates from 1/s to 10^9/s are exact and the hot
 * path neither allocates nor uses floating point. Not thread-safe: a port's bucket is used by that
 * port's reader thread only.
 */
final class TokenBucket {
  private static final long UNIT = 1_000_000_000L;
  private final long rate;
  private final long capacityUnits;
  private long level;
  private long last;

  /**
   * @param rate tokens per second, 1..10^9
   * @param capacity the burst in tokens, 1..10^9
   * @param now {@link System#nanoTime()} at creation
   */
  TokenBucket(long rate, long capacity, long now) {
    if (rate < 1 || rate > UNIT) throw new IllegalArgumentException("rate must be 1..1e9: " + rate);
    if (capacity < 1 || capacity > UNIT)
      throw new IllegalArgumentException("capacity must be 1..1e9: " + capacity);
    this.rate = rate;
    this.capacityUnits = capacity * UNIT;
    this.level = capacityUnits;
    this.last = now;
  }

  /**
   * Spends {@code tokens} if the bucket (refilled up to {@code now}) holds that many; otherwise
   * spends nothing.
   *
   * @param tokens 1..capacity (more can never pass)
   * @param now {@link System#nanoTime()}
   * @return true when spent (the frame conforms), false when the bucket is short (drop it)
   */
  boolean take(long tokens, long now) {
    long elapsed = now - last;
    if (elapsed > 0) {
      last = now;
      long room = capacityUnits - level;
      // elapsed * rate would overflow after ~9 s at 1e9/s: compare before multiplying
      level = elapsed >= room / rate + 1 ? capacityUnits : level + elapsed * rate;
      if (level > capacityUnits) level = capacityUnits;
    }
    long cost = tokens * UNIT;
    if (level < cost) return false;
    level -= cost;
    return true;
  }

  /**
   * Nanoseconds from {@code now} until the bucket holds {@code tokens} (0 when it already does);
   * nothing is spent or refilled.
   *
   * @param tokens 1..capacity
   * @param now {@link System#nanoTime()}
   */
  long nanosUntil(long tokens, long now) {
    long elapsed = Math.max(0, now - last);
    long room = capacityUnits - level;
    long levelNow = elapsed >= room / rate + 1 ? capacityUnits : level + elapsed * rate;
    long deficit = Math.min(tokens * UNIT, capacityUnits) - levelNow;
    return deficit <= 0 ? 0 : (deficit + rate - 1) / rate;
  }
}
