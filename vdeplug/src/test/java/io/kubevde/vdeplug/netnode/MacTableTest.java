package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The switch's learning table (vde-protocols.md §4.5, §6.2, §12.5). */
class MacTableTest {
  private final AtomicLong now = new AtomicLong(1000);
  private static final long MAC = 0x525400000001L;

  @Test
  void minimumPersistenceKeepsAFreshEntryOnItsPortAsVde2Does() {
    MacTable<String> t = new MacTable<>(16, 0, 100, now::get);
    t.setMinPersistence(3);
    long k = MacTable.key(MAC, 0);
    t.learn(k, "a");
    now.addAndGet(2);
    t.learn(k, "b"); // seen on b 2 s after a: anti-flap keeps a
    assertThat(t.lookup(k)).isEqualTo("a");
    now.addAndGet(1);
    t.learn(k, "b"); // 3 s: vde-2 moves only when now - last_seen > min_persistence
    assertThat(t.lookup(k)).isEqualTo("a");
    now.addAndGet(1);
    t.learn(k, "b"); // 4 s after a's last sighting (not refreshed by b's frames): moves
    assertThat(t.lookup(k)).isEqualTo("b");
    t.learn(k, "b");
    assertThat(t.lookup(k)).isEqualTo("b");
  }

  @Test
  void minimumPersistenceZeroKeepsTheEntryForTheRestOfTheSecondAndNegativeTurnsItOff() {
    MacTable<String> t = new MacTable<>(16, 0, 100, now::get);
    long k = MacTable.key(MAC, 0);
    t.learn(k, "a");
    t.learn(k, "b");
    assertThat(t.lookup(k)).as("default: off, the last sighting wins").isEqualTo("b");
    t.setMinPersistence(0);
    t.learn(k, "c");
    assertThat(t.lookup(k)).as("hash/setminper 0: same second keeps").isEqualTo("b");
    now.addAndGet(1);
    t.learn(k, "c");
    assertThat(t.lookup(k)).isEqualTo("c");
    t.setMinPersistence(-1);
    t.learn(k, "d");
    assertThat(t.lookup(k)).isEqualTo("d");
  }

  @Test
  void movesCountALiveEntrySeenOnAnotherPortOnly() {
    MacTable<String> t = new MacTable<>(16, 0, 10, now::get);
    long k = MacTable.key(MAC, 0);
    t.learn(k, "a");
    t.learn(k, "a");
    assertThat(t.moves()).as("first sighting and refreshes are no move").isZero();
    t.learn(k, "b");
    assertThat(t.moves()).isEqualTo(1);
    now.addAndGet(10);
    t.learn(k, "c");
    assertThat(t.moves()).as("an expired entry is learned anew").isEqualTo(1);
    t.setMinPersistence(5);
    t.learn(k, "d");
    assertThat(t.moves()).as("a move the anti-flap rule refuses is no move").isEqualTo(1);
    assertThat(t.lookup(k)).isEqualTo("c");
  }

  @Test
  void learnsLooksUpAndExpires() {
    MacTable<String> t = new MacTable<>(256, 0, 120, now::get);
    t.learn(MacTable.key(MAC, 0), "p1");
    assertThat(t.lookup(MacTable.key(MAC, 0))).isEqualTo("p1");
    assertThat(t.size()).isEqualTo(1);
    now.addAndGet(119);
    assertThat(t.lookup(MacTable.key(MAC, 0))).isEqualTo("p1");
    now.addAndGet(1);
    assertThat(t.lookup(MacTable.key(MAC, 0))).as("expired after 120 s").isNull();
    assertThat(t.size()).isZero();
  }

  @Test
  void relearningMovesAndRefreshes() {
    MacTable<String> t = new MacTable<>(256, 0, 10, now::get);
    t.learn(MacTable.key(MAC, 0), "p1");
    now.addAndGet(8);
    t.learn(MacTable.key(MAC, 0), "p2");
    now.addAndGet(8);
    assertThat(t.lookup(MacTable.key(MAC, 0))).isEqualTo("p2");
  }

  @Test
  void vlanIdsUseAllTwelveBits() {
    MacTable<String> t = new MacTable<>(4096, 0, 120, now::get);
    t.learn(MacTable.key(MAC, 10), "p10");
    t.learn(MacTable.key(MAC, 10 | 1024), "p1034");
    assertThat(t.lookup(MacTable.key(MAC, 10)))
        .as("C masks with 0x3FF and would confuse 10 with 1034")
        .isEqualTo("p10");
    assertThat(t.lookup(MacTable.key(MAC, 1034))).isEqualTo("p1034");
    assertThat(t.lookup(MacTable.key(MAC, 0))).isNull();
    assertThat(MacTable.key(MAC, 4095)).isNotEqualTo(MacTable.key(MAC, 4095 & 0x3FF));
  }

  @Test
  void removingAPortFlushesItsEntries() {
    MacTable<String> t = new MacTable<>(1024, 7, 120, now::get);
    for (int i = 0; i < 20; i++) t.learn(MacTable.key(MAC + i, 0), i % 2 == 0 ? "even" : "odd");
    int before = t.size();
    t.removePort("even");
    assertThat(t.size()).isLessThan(before);
    for (int i = 0; i < 20; i += 2) assertThat(t.lookup(MacTable.key(MAC + i, 0))).isNull();
    assertThat(t.size())
        .isEqualTo(
            (int)
                java.util.stream.IntStream.range(0, 20)
                    .filter(i -> i % 2 == 1)
                    .filter(i -> t.lookup(MacTable.key(MAC + i, 0)) != null)
                    .count());
  }

  @Test
  void sizeIsRoundedToAPowerOfTwoAndZeroDisablesLearning() {
    assertThat(new MacTable<String>(256, 0, 1, now::get).capacity()).isEqualTo(256);
    assertThat(new MacTable<String>(300, 0, 1, now::get).capacity()).isEqualTo(512);
    assertThat(new MacTable<String>(1, 0, 1, now::get).capacity()).isEqualTo(1);
    MacTable<String> off = new MacTable<>(0, 0, 1, now::get);
    off.learn(MacTable.key(MAC, 0), "p");
    assertThat(off.lookup(MacTable.key(MAC, 0))).isNull();
    assertThat(off.size()).isZero();
  }
}
