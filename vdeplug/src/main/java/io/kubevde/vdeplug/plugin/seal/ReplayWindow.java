package io.kubevde.vdeplug.plugin.seal;

/**
 * Anti-replay sliding window for one sender's counters, RFC 6479 style: a ring of {@value #WORDS}
 * 64-bit words ({@value #BITS} bits) of which one word is the slack that lets the window slide a
 * word at a time, so {@value #SIZE} counters below the highest accepted one are tracked. A counter
 * is accepted once; a counter at or below {@code highest - SIZE} is too old. Not thread-safe (one
 * receiver thread).
 *
 * <p>Use {@link #check} before the (costly) authentication and {@link #update} only after it
 * succeeded, so forged frames never move the window.
 */
public final class ReplayWindow {
  /** Words in the ring. */
  public static final int WORDS = 32;

  /** Bits in the ring. */
  public static final int BITS = WORDS * 64;

  /** Counters tracked below the highest accepted one: 1984. */
  public static final int SIZE = BITS - 64;

  private final long[] ring = new long[WORDS];
  private long highest = -1;

  /** Whether {@code counter} (≥ 0) would be accepted: never seen and not too old. */
  public boolean check(long counter) {
    if (counter < 0) return false;
    if (counter > highest) return true;
    if (highest - counter >= SIZE) return false;
    return (ring[(int) ((counter >>> 6) & (WORDS - 1))] & (1L << (counter & 63))) == 0;
  }

  /**
   * Accepts {@code counter}: slides the window when it is the new highest and marks it seen.
   *
   * @return false (nothing changed) when {@link #check} would refuse it
   */
  public boolean update(long counter) {
    if (!check(counter)) return false;
    if (counter > highest) {
      long from = highest < 0 ? -1 : highest >>> 6;
      long to = counter >>> 6;
      long words = highest < 0 ? WORDS : Math.min(to - from, WORDS);
      for (long i = 1; i <= words; i++) ring[(int) ((from + i) & (WORDS - 1))] = 0;
      highest = counter;
    }
    ring[(int) ((counter >>> 6) & (WORDS - 1))] |= 1L << (counter & 63);
    return true;
  }

  /** The highest counter accepted so far, or -1. */
  public long highest() {
    return highest;
  }
}
