package io.kubevde.operator.network;

import io.kubevde.operator.model.NetworkClaim;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Values this operator process has decided but that may not be in the informer cache yet (the
 * status patch is in flight). Without it two networks reconciled at the same time could both take
 * the lowest free VNI. After a restart the map is empty and the statuses in the cache are the
 * record, so nothing is lost.
 */
final class Reservations {
  private final Map<String, Entry> byKey = new ConcurrentHashMap<>();

  record Entry(String uid, NetworkClaim claim) {}

  void put(String uid, NetworkClaim claim) {
    byKey.put(claim.key(), new Entry(uid, claim));
  }

  Entry get(String key) {
    return byKey.get(key);
  }

  void remove(String key) {
    byKey.remove(key);
  }

  Map<String, Entry> all() {
    return Map.copyOf(byKey);
  }
}
