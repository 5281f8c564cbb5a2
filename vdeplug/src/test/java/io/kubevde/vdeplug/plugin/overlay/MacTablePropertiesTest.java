package io.kubevde.vdeplug.plugin.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The open-addressing {@link MacTable} behaves like a plain map with aging under any sequence of
 * learn, goodbye and purge operations (as long as it never has to evict: capacity above the number
 * of distinct keys).
 */
class MacTablePropertiesTest {
  static final InetSocketAddress[] PEERS = {
    new InetSocketAddress("10.77.0.1", 1),
    new InetSocketAddress("10.77.0.2", 2),
    new InetSocketAddress("10.77.0.3", 3)
  };
  static final long EXPIRE = 100;

  /** kind 0 = learn, 1 = goodbye, 2 = purge; key among 40 MACs; peer index; time step. */
  record Op(int kind, int key, int peer, int step) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.integers().between(0, 9).map(k -> k < 8 ? 0 : k - 7),
                Arbitraries.integers().between(0, 39),
                Arbitraries.integers().between(0, 2),
                Arbitraries.integers().between(0, 30))
            .as(Op::new);
    return op.list().ofMaxSize(300);
  }

  @Property(tries = 300)
  void behavesLikeAMapWithAging(@ForAll("ops") List<Op> ops) {
    MacTable table = new MacTable(64, EXPIRE);
    Map<Long, InetSocketAddress> addr = new HashMap<>();
    Map<Long, Long> seen = new HashMap<>();
    long now = 0;
    for (Op op : ops) {
      now += op.step();
      long key = MacTable.key(0x5254_0000_0000L + op.key() * 7919L, 1);
      switch (op.kind()) {
        case 0 -> {
          table.learn(key, PEERS[op.peer()], now);
          addr.put(key, PEERS[op.peer()]);
          seen.put(key, now);
        }
        case 1 -> {
          table.forgetAddress(PEERS[op.peer()]);
          addr.values().removeIf(a -> a.equals(PEERS[op.peer()]));
          seen.keySet().retainAll(addr.keySet());
        }
        default -> {
          final long t = now;
          table.purgeExpired(t);
          seen.entrySet().removeIf(e -> e.getValue() < t - EXPIRE);
          addr.keySet().retainAll(seen.keySet());
        }
      }
      for (int k = 0; k < 40; k++) {
        long kk = MacTable.key(0x5254_0000_0000L + k * 7919L, 1);
        Long s = seen.get(kk);
        InetSocketAddress expected = s != null && s >= now - EXPIRE ? addr.get(kk) : null;
        assertThat(table.lookup(kk, now)).as("key %d after %s", k, op).isEqualTo(expected);
      }
      assertThat(table.size()).isEqualTo(addr.size());
    }
  }
}
