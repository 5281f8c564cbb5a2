package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * multi: a frame from a link goes to the host only (links are never bridged); a frame from the host
 * is duplicated on every link — the hand-off node of vde-protocols.md §7. With no links, host
 * frames are dropped.
 *
 * <p>Optional duplicate suppression ({@code multi://DIR[dedup]} or {@code [dedup=MS]}, beyond
 * vdeplug4): a frame from a link is dropped when a byte-identical frame arrived from a
 * <em>different</em> link less than the window ago (default 200 ms) — the copies a hand-off overlap
 * produces, including late copies on the new link after the old one has gone. The first copy is
 * delivered at once (no added latency); a frame repeated on the same link (a retransmission) is
 * delivered; with a single link nothing is ever dropped. Identity is a 64-bit hash of the whole
 * frame (tens of nanoseconds per frame) in a 4-way set-associative table of 16384 recent frames (a
 * collision can only let a duplicate through; a distinct frame is dropped only if two distinct
 * frames hash equal within the window). Suppressed copies are counted as drops on the link they
 * arrived on.
 */
public final class MultiPolicy implements ForwardingPolicy {
  private static final int SLOTS = 16384;
  private static final int WAYS = 4;
  private final long windowNanos;
  private final long[] hashes;
  private final long[] times;
  private final int[] from;

  /** Plain vdeplug4 multi (no duplicate suppression). */
  public MultiPolicy() {
    this(0);
  }

  /** multi with duplicate suppression over {@code dedupMillis} ms (0 = off). */
  public MultiPolicy(int dedupMillis) {
    this.windowNanos = dedupMillis * 1_000_000L;
    this.hashes = dedupMillis > 0 ? new long[SLOTS] : null;
    this.times = dedupMillis > 0 ? new long[SLOTS] : null;
    this.from = dedupMillis > 0 ? new int[SLOTS] : null;
  }

  @Override
  public void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
    if (source != host) {
      if (hashes != null && duplicate(source, frame)) {
        source.stats().dropped();
        return;
      }
      host.deliver(frame);
      return;
    }
    for (NetnodePort p : ports) p.deliver(frame);
  }

  private boolean duplicate(NetnodePort source, ByteBuffer frame) {
    long h = hash(frame);
    int base = (int) (h ^ (h >>> 32)) & (SLOTS - WAYS);
    long now = System.nanoTime();
    int oldest = base;
    for (int i = base; i < base + WAYS; i++) {
      if (hashes[i] == h && now - times[i] < windowNanos) {
        if (from[i] != source.id()) return true;
        times[i] = now;
        return false;
      }
      if (times[i] - times[oldest] < 0) oldest = i;
    }
    hashes[oldest] = h;
    times[oldest] = now;
    from[oldest] = source.id();
    return false;
  }

  /** A 64-bit hash of the frame's bytes (position..limit), 8 bytes per step; no allocation. */
  static long hash(ByteBuffer f) {
    int p = f.position();
    int end = f.limit();
    long h = 0x9E3779B97F4A7C15L ^ (end - p);
    while (p + 8 <= end) {
      h = mix(h ^ f.getLong(p));
      p += 8;
    }
    long tail = 0;
    for (int i = 0; p < end; p++, i += 8) tail |= (f.get(p) & 0xFFL) << i;
    return mix(h ^ tail);
  }

  private static long mix(long h) {
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    return h ^ (h >>> 29);
  }
}
