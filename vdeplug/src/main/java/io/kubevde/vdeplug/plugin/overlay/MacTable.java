package io.kubevde.vdeplug.plugin.overlay;

import java.net.InetSocketAddress;

/**
 * The learning table of vxvde and vxlan (vde-protocols.md §4.4, §4.5): (MAC, VLAN) → the UDP
 * address the MAC was last seen from, with aging. Unlike vdeplug4's direct-mapped array (where two
 * MACs hashing to one slot evict each other, §12.4), this is a real hash map (open addressing,
 * linear probing, backward-shift deletion) holding up to {@code capacity} entries; when it is full,
 * expired entries are purged and, if none expired, the least recently seen entry is replaced.
 *
 * <p>An entry is valid while {@code lastSeen >= now - expireMillis}. A {@code capacity} of 0
 * disables learning ({@code hashsize=0}): every lookup misses, so every frame goes to the group. No
 * allocation on learn or lookup; all methods are thread-safe (one short lock).
 */
public final class MacTable {
  private static final long EMPTY = -1L;

  private final int capacity;
  private final long expireMillis;
  private final long[] keys;
  private final long[] lastSeen;
  private final InetSocketAddress[] addrs;
  private final int mask;
  private int size;

  /**
   * @param capacity most entries held (vdeplug4's {@code hashsize}); 0 disables learning
   * @param expireMillis how long an entry stays valid after its MAC was last seen, in ms
   *     (vdeplug4's {@code expiretime} × 1000); must be positive
   */
  public MacTable(int capacity, long expireMillis) {
    if (capacity < 0) throw new IllegalArgumentException("capacity must be >= 0, got " + capacity);
    if (expireMillis <= 0)
      throw new IllegalArgumentException("expireMillis must be > 0, got " + expireMillis);
    this.capacity = capacity;
    this.expireMillis = expireMillis;
    int slots = capacity == 0 ? 1 : Integer.highestOneBit(Math.max(4, capacity * 2 - 1)) << 1;
    this.keys = new long[slots];
    java.util.Arrays.fill(keys, EMPTY);
    this.lastSeen = new long[slots];
    this.addrs = new InetSocketAddress[slots];
    this.mask = slots - 1;
  }

  /**
   * The key of a MAC (48 bits, as from {@link Macs#macAt}) on a VLAN (12 bits): {@code mac | vlan
   * << 48}.
   */
  public static long key(long mac, int vlan) {
    return (mac & 0xFFFF_FFFF_FFFFL) | ((long) (vlan & 0xFFF) << 48);
  }

  /** Whether learning is enabled (capacity &gt; 0). */
  public boolean enabled() {
    return capacity > 0;
  }

  /** Most entries held. */
  public int capacity() {
    return capacity;
  }

  /**
   * Records that {@code key} was seen from {@code addr} at {@code nowMillis}. Group-bit MACs must
   * be filtered by the caller. No-op when learning is disabled.
   */
  public synchronized void learn(long key, InetSocketAddress addr, long nowMillis) {
    if (capacity == 0) return;
    int i = find(key);
    if (i >= 0) {
      if (addrs[i] != addr) addrs[i] = addr;
      lastSeen[i] = nowMillis;
      return;
    }
    if (size >= capacity) {
      purgeExpired(nowMillis);
      if (size >= capacity) removeAt(stalest());
    }
    int slot = slotOf(key);
    while (keys[slot] != EMPTY) slot = (slot + 1) & mask;
    keys[slot] = key;
    addrs[slot] = addr;
    lastSeen[slot] = nowMillis;
    size++;
  }

  /**
   * The address {@code key} was last seen from, or null when unknown or expired at {@code
   * nowMillis}.
   */
  public synchronized InetSocketAddress lookup(long key, long nowMillis) {
    if (capacity == 0) return null;
    int i = find(key);
    if (i < 0) return null;
    if (lastSeen[i] < nowMillis - expireMillis) return null;
    return addrs[i];
  }

  /**
   * Forgets every entry learned from {@code addr} (vxvde's goodbye, vde-protocols.md §4.4).
   *
   * @return the number of entries removed
   */
  public synchronized int forgetAddress(InetSocketAddress addr) {
    int removed = 0;
    for (int i = 0; i < keys.length; ) {
      if (keys[i] != EMPTY && addr.equals(addrs[i])) {
        removeAt(i);
        removed++;
        // backward shift may have moved another entry into slot i: look at it again
      } else {
        i++;
      }
    }
    return removed;
  }

  /** Entries currently held (valid or expired but not yet purged). */
  public synchronized int size() {
    return size;
  }

  /**
   * Removes entries older than the expire time at {@code nowMillis}; returns how many were removed.
   */
  public synchronized int purgeExpired(long nowMillis) {
    int removed = 0;
    for (int i = 0; i < keys.length; ) {
      if (keys[i] != EMPTY && lastSeen[i] < nowMillis - expireMillis) {
        removeAt(i);
        removed++;
      } else {
        i++;
      }
    }
    return removed;
  }

  private int stalest() {
    int best = -1;
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != EMPTY && (best < 0 || lastSeen[i] < lastSeen[best])) best = i;
    }
    return best;
  }

  private int find(long key) {
    int slot = slotOf(key);
    while (true) {
      long k = keys[slot];
      if (k == key) return slot;
      if (k == EMPTY) return -1;
      slot = (slot + 1) & mask;
    }
  }

  private int slotOf(long key) {
    long h = key * 0x9E3779B97F4A7C15L;
    h ^= h >>> 29;
    return (int) h & mask;
  }

  /** Linear-probing deletion with backward shift, so lookups never need tombstones. */
  private void removeAt(int i) {
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      if (keys[j] == EMPTY) break;
      int home = slotOf(keys[j]);
      // move j into the hole if its home slot is not cyclically in (hole, j]
      boolean stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!stays) {
        keys[hole] = keys[j];
        addrs[hole] = addrs[j];
        lastSeen[hole] = lastSeen[j];
        hole = j;
      }
    }
    keys[hole] = EMPTY;
    addrs[hole] = null;
    lastSeen[hole] = 0;
    size--;
  }
}
