package io.kubevde.vdeplug.plugin.seal;

/**
 * The replay windows of every (key id, sender id) seen, in an open-addressing table keyed by a
 * primitive long (no boxing, no allocation per lookup). Windows are created only for authenticated
 * frames, so forged traffic cannot fill the table. At most {@code capacity} senders are remembered;
 * when full, the least recently used one is forgotten (a forgotten sender's next frame starts a
 * fresh window: see the README's replay note). Not thread-safe.
 */
public final class ReplayTable {
  private final int capacity;
  private final long[] keys;
  private final ReplayWindow[] windows;
  private final long[] lastUse;
  private final int mask;
  private int size;
  private long tick;

  /** A table remembering up to {@code capacity} senders (≥ 1). */
  public ReplayTable(int capacity) {
    if (capacity < 1) throw new IllegalArgumentException("capacity must be >= 1");
    this.capacity = capacity;
    int slots = Integer.highestOneBit(capacity * 2 - 1) << 1;
    this.keys = new long[slots];
    this.windows = new ReplayWindow[slots];
    this.lastUse = new long[slots];
    this.mask = slots - 1;
  }

  /** The table key of a (key id, sender id) pair. */
  public static long key(int keyId, int senderId) {
    return ((long) keyId << 32) | (senderId & 0xffffffffL);
  }

  /**
   * Whether {@code counter} from this sender would be accepted (an unknown sender accepts any
   * counter ≥ 0).
   */
  public boolean check(int keyId, int senderId, long counter) {
    ReplayWindow w = find(key(keyId, senderId));
    return w == null ? counter >= 0 : w.check(counter);
  }

  /**
   * Accepts {@code counter} from this sender (after authentication), creating its window; false if
   * a replay.
   */
  public boolean update(int keyId, int senderId, long counter) {
    long k = key(keyId, senderId);
    int slot = slotOf(k);
    if (windows[slot] == null) {
      if (size == capacity) {
        evictLeastRecent();
        slot = slotOf(k);
      }
      keys[slot] = k;
      windows[slot] = new ReplayWindow();
      size++;
    }
    lastUse[slot] = ++tick;
    return windows[slot].update(counter);
  }

  /** Senders remembered. */
  public int size() {
    return size;
  }

  private ReplayWindow find(long k) {
    return windows[slotOf(k)];
  }

  /** The slot holding {@code k}, or the empty slot where it would go (linear probing). */
  private int slotOf(long k) {
    int i = hash(k) & mask;
    while (windows[i] != null && keys[i] != k) i = (i + 1) & mask;
    return i;
  }

  private static int hash(long k) {
    long h = k * 0x9E3779B97F4A7C15L;
    return (int) (h ^ (h >>> 32));
  }

  private void evictLeastRecent() {
    int victim = -1;
    for (int i = 0; i < windows.length; i++) {
      if (windows[i] != null && (victim < 0 || lastUse[i] < lastUse[victim])) victim = i;
    }
    // backward-shift deletion keeps every probe chain intact
    int hole = victim;
    windows[hole] = null;
    size--;
    int i = (hole + 1) & mask;
    while (windows[i] != null) {
      int home = hash(keys[i]) & mask;
      boolean movable = hole <= i ? (home <= hole || home > i) : (home <= hole && home > i);
      if (movable) {
        keys[hole] = keys[i];
        windows[hole] = windows[i];
        lastUse[hole] = lastUse[i];
        windows[i] = null;
        hole = i;
      }
      i = (i + 1) & mask;
    }
  }
}
