package io.kubevde.vdeplug.netnode;

import java.util.function.LongSupplier;

/**
 * The switch's learning table: direct-mapped like vdeplug4's (vde-protocols.md §4.5, §6.2) — {@code
 * 2^k} slots, one entry each, a colliding key overwrites the slot — keyed by (48-bit MAC, 12-bit
 * VLAN ID) with the full 12 bits (the C node masks with 0x3FF, §12.5). An entry is valid while
 * {@code now - lastSeen < expireSeconds}. Size 0 disables learning (every lookup misses). Not
 * thread-safe: the engine's forwarding lock guards it. No allocation after construction.
 *
 * @param <P> what a key maps to (the port)
 */
public final class MacTable<P> {
  /** Seconds from {@link System#nanoTime()}. */
  public static final LongSupplier SYSTEM_CLOCK = () -> System.nanoTime() / 1_000_000_000L;

  private static final long EMPTY = -1L;

  private final long[] keys;
  private final long[] seen;
  private final Object[] ports;
  private final int mask;
  private final long seed;
  private long expire;
  private long minPersistence = -1;
  private long moves;
  private final LongSupplier clock;

  /**
   * @param size requested slots, rounded up to a power of two (0 = learning disabled)
   * @param seed hash seed
   * @param expireSeconds entry lifetime in seconds (≥ 1)
   * @param clock the time in seconds (tests pass a fake clock)
   */
  public MacTable(int size, long seed, int expireSeconds, LongSupplier clock) {
    int n = 0;
    if (size > 0) {
      n = 1;
      while (n < size) n <<= 1;
    }
    this.keys = new long[n];
    this.seen = new long[n];
    this.ports = new Object[n];
    this.mask = n - 1;
    this.seed = seed;
    this.expire = Math.max(1, expireSeconds);
    this.clock = clock;
    java.util.Arrays.fill(keys, EMPTY);
  }

  /** Number of slots (a power of two, or 0). */
  public int capacity() {
    return keys.length;
  }

  /** The table key of {@code mac} (48 bits, the low bits of the long) on {@code vlan} (0..4095). */
  public static long key(long mac, int vlan) {
    return (mac & 0xFFFF_FFFF_FFFFL) | ((long) (vlan & 0xFFF) << 48);
  }

  private int slot(long key) {
    long h = key ^ seed;
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return (int) h & mask;
  }

  /** Entry lifetime after the last sighting, seconds. */
  public long expireSeconds() {
    return expire;
  }

  /** Sets the entry lifetime, seconds (&ge; 1). */
  public void setExpireSeconds(long seconds) {
    expire = Math.max(1, seconds);
  }

  /** The anti-flap time in seconds (negative = off, the default); see {@link #learn}. */
  public long minPersistence() {
    return minPersistence;
  }

  /**
   * Sets vde_switch's {@code min_persistence} (vde-protocols.md §9.2, console {@code
   * hash/setminper}; vde-2 hash.c): a MAC seen on another port moves only when more than this many
   * whole seconds passed since its last sighting on its port, so 3 keeps it 3 s and moves it in the
   * 4th, 0 still keeps it for the rest of the current second. Negative = off (the netnodes'
   * behaviour: the last sighting wins).
   */
  public void setMinPersistence(long seconds) {
    minPersistence = seconds;
  }

  /**
   * Records that {@code key} was seen on {@code port} now; with a {@link #minPersistence()} of 0 or
   * more, a live entry on another port last seen at most that many seconds ago is kept and not
   * refreshed (vde-2's {@code now - last_seen > min_persistence} rule; the frame is still
   * forwarded).
   */
  public void learn(long key, P port) {
    if (keys.length == 0) return;
    int i = slot(key);
    long now = clock.getAsLong();
    if (minPersistence >= 0
        && keys[i] == key
        && ports[i] != port
        && now - seen[i] < expire
        && now - seen[i] <= minPersistence) {
      return;
    }
    if (keys[i] == key && ports[i] != port && now - seen[i] < expire) moves++;
    keys[i] = key;
    ports[i] = port;
    seen[i] = now;
  }

  /**
   * How many times a live entry moved to another port (a host that moved, or a frame with its
   * source MAC arriving where the host is not: a loop or a forged source; switches call this MAC
   * flapping).
   */
  public long moves() {
    return moves;
  }

  /** The port {@code key} was last seen on, or null when unknown or expired. */
  @SuppressWarnings("unchecked")
  public P lookup(long key) {
    if (keys.length == 0) return null;
    int i = slot(key);
    if (keys[i] != key || clock.getAsLong() - seen[i] >= expire) return null;
    return (P) ports[i];
  }

  /** Forgets the entry for {@code key}; false when there was none (or it had expired). */
  public boolean forget(long key) {
    if (keys.length == 0) return false;
    int i = slot(key);
    boolean live = keys[i] == key && clock.getAsLong() - seen[i] < expire;
    if (keys[i] == key) {
      keys[i] = EMPTY;
      ports[i] = null;
    }
    return live;
  }

  /** Forgets every entry pointing at {@code port}. */
  public void removePort(P port) {
    for (int i = 0; i < keys.length; i++) {
      if (ports[i] == port) {
        keys[i] = EMPTY;
        ports[i] = null;
      }
    }
  }

  /**
   * A snapshot of the live entries: key ({@link #key}) → {@code label.apply(port)}, for printing
   * ({@code hash/print}).
   */
  public java.util.Map<Long, Integer> entries(java.util.function.ToIntFunction<P> label) {
    long now = clock.getAsLong();
    java.util.Map<Long, Integer> out = new java.util.TreeMap<>();
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY && now - seen[i] < expire) {
        @SuppressWarnings("unchecked")
        P p = (P) ports[i];
        out.put(keys[i], label.applyAsInt(p));
      }
    }
    return out;
  }

  /** Live (unexpired) entries. */
  public int size() {
    long now = clock.getAsLong();
    int n = 0;
    for (int i = 0; i < keys.length; i++) if (keys[i] != EMPTY && now - seen[i] < expire) n++;
    return n;
  }
}
