package io.kubevde.vdeplug.plugin.seal;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one seal plug beyond {@link io.kubevde.vdeplug.PlugStats}: received frames dropped
 * per {@link Verdict}, frames not sent because they were too long, and key file reloads. Adding
 * never allocates.
 */
public final class SealStats {
  private final LongAdder[] drops = new LongAdder[Verdict.values().length];
  private final LongAdder oversize = new LongAdder();
  private final LongAdder reloads = new LongAdder();
  private final LongAdder reloadFailures = new LongAdder();

  /** All counters at zero. */
  public SealStats() {
    for (int i = 0; i < drops.length; i++) drops[i] = new LongAdder();
  }

  void count(Verdict v) {
    drops[v.ordinal()].increment();
  }

  void countOversize() {
    oversize.increment();
  }

  void countReload() {
    reloads.increment();
  }

  void countReloadFailure() {
    reloadFailures.increment();
  }

  /** Received frames with verdict {@code v} ({@link Verdict#OPENED}: delivered). */
  public long of(Verdict v) {
    return drops[v.ordinal()].sum();
  }

  /** Frames not sent because they exceeded {@link SealFormat#MAX_FRAME}. */
  public long oversize() {
    return oversize.sum();
  }

  /** Successful key file reloads that changed the keys (automatic or {@code reloadKeys()}). */
  public long reloads() {
    return reloads.sum();
  }

  /** Automatic reloads that failed (the previous keys stay in use). */
  public long reloadFailures() {
    return reloadFailures.sum();
  }

  /** Every verdict's count. */
  public Map<Verdict, Long> verdicts() {
    Map<Verdict, Long> m = new EnumMap<>(Verdict.class);
    for (Verdict v : Verdict.values()) m.put(v, of(v));
    return m;
  }

  @Override
  public String toString() {
    return "verdicts="
        + verdicts()
        + " oversize="
        + oversize()
        + " reloads="
        + reloads()
        + " reloadFailures="
        + reloadFailures();
  }
}
