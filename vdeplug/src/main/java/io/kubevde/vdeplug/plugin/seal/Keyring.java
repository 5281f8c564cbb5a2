package io.kubevde.vdeplug.plugin.seal;

import java.util.ArrayList;
import java.util.List;

/**
 * The keys of one network at one moment, immutable: every listed key is accepted on receive, the
 * current one seals what is sent. Lookup by id is an array index (no allocation on the hot path).
 */
public final class Keyring {
  private final SealKey[] byId = new SealKey[256];
  private final List<SealKey> keys;
  private final SealKey current;

  /**
   * @param keys the keys, at least one, ids distinct
   * @param currentId the id of the key senders use; must be listed
   * @throws IllegalArgumentException for no keys, a repeated id or an unlisted current id
   */
  public Keyring(List<SealKey> keys, int currentId) {
    if (keys.isEmpty()) throw new IllegalArgumentException("no keys");
    SealKey cur = null;
    for (SealKey k : keys) {
      if (byId[k.id()] != null)
        throw new IllegalArgumentException("key id " + k.id() + " listed twice");
      byId[k.id()] = k;
      if (k.id() == currentId) cur = k;
    }
    if (cur == null)
      throw new IllegalArgumentException("current key id " + currentId + " is not listed");
    this.keys = List.copyOf(keys);
    this.current = cur;
  }

  /** The key that seals outgoing frames. */
  public SealKey current() {
    return current;
  }

  /** The key with {@code id} (0..255), or null when it is not listed. */
  public SealKey byId(int id) {
    return byId[id & 0xff];
  }

  /** Every listed key, in file order. */
  public List<SealKey> keys() {
    return keys;
  }

  /** The listed ids, in file order. */
  public List<Integer> ids() {
    List<Integer> ids = new ArrayList<>();
    for (SealKey k : keys) ids.add(k.id());
    return ids;
  }

  @Override
  public String toString() {
    return "Keyring[ids=" + ids() + " current=" + current.id() + "]";
  }
}
