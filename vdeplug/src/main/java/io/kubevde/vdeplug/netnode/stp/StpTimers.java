package io.kubevde.vdeplug.netnode.stp;

/**
 * Spanning-tree timers, in ms, short for a software overlay (802.1D's 2 s / 20 s / 15 s suit slow
 * hardware; vde-2's FSTP uses 4 s / 40 s).
 *
 * @param helloMillis how often designated ports send a BPDU (default 200)
 * @param maxAgeMillis how long received information stays valid without a refresh: a silent
 *     neighbour is forgotten after it (default 1200 = 6 hellos, so a few late hellos on a busy host
 *     do not open a loop)
 * @param forwardDelayMillis how long a designated port that got no agreement stays in each of
 *     DISCARDING and LEARNING (default 400)
 */
public record StpTimers(long helloMillis, long maxAgeMillis, long forwardDelayMillis) {
  /** The defaults: 200 / 1200 / 400 ms. */
  public static final StpTimers DEFAULT = new StpTimers(200, 1200, 400);

  /** Validates: hello ≥ 10 ms, max age ≥ 2 hellos, forward delay ≥ 0. */
  public StpTimers {
    if (helloMillis < 10) throw new IllegalArgumentException("hello must be >= 10 ms");
    if (maxAgeMillis < 2 * helloMillis)
      throw new IllegalArgumentException("max age must be >= 2 hellos");
    if (forwardDelayMillis < 0) throw new IllegalArgumentException("forward delay must be >= 0");
  }
}
