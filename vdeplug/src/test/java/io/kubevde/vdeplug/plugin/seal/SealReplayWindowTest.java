package io.kubevde.vdeplug.plugin.seal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The RFC 6479-style replay window and the per-sender table. */
class SealReplayWindowTest {

  @Test
  void eachCounterIsAcceptedOnceAndOutOfOrderWithinTheWindowIsFine() {
    ReplayWindow w = new ReplayWindow();
    assertThat(w.update(1000)).isTrue();
    assertThat(w.update(1000)).isFalse();
    assertThat(w.update(990)).isTrue();
    assertThat(w.update(990)).isFalse();
    assertThat(w.update(1001)).isTrue();
    assertThat(w.check(999)).isTrue();
    assertThat(w.update(-1)).isFalse();
  }

  @Test
  void windowSlidesAndForgetsOnlyWhatIsTooOld() {
    ReplayWindow w = new ReplayWindow();
    w.update(5);
    long top = 5 + 3 * ReplayWindow.SIZE;
    assertThat(w.update(top)).isTrue();
    assertThat(w.check(5)).as("far too old").isFalse();
    assertThat(w.check(top - ReplayWindow.SIZE)).as("exactly one window old").isFalse();
    assertThat(w.check(top - ReplayWindow.SIZE + 1)).as("oldest tracked, never seen").isTrue();
    assertThat(ReplayWindow.SIZE).isGreaterThanOrEqualTo(1024);
    // a jump of less than a ring keeps the bits of the counters still inside the window
    ReplayWindow v = new ReplayWindow();
    for (long c = 0; c < 100; c++) v.update(c);
    v.update(1500);
    for (long c = 0; c < 100; c++) assertThat(v.check(c)).as("counter %d replayed", c).isFalse();
    assertThat(v.check(100)).isTrue();
  }

  @Provide
  Arbitrary<List<Long>> counters() {
    Arbitrary<Long> near = Arbitraries.longs().between(0, 6000);
    Arbitrary<Long> far = Arbitraries.longs().between(0, Long.MAX_VALUE);
    return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, near), net.jqwik.api.Tuple.of(1, far))
        .list()
        .ofMaxSize(400);
  }

  /**
   * The window agrees with the obvious model: accept iff never accepted and newer than highest -
   * SIZE.
   */
  @Property(tries = 300)
  void windowMatchesTheModelForAnyCounterSequence(@ForAll("counters") List<Long> seq) {
    ReplayWindow w = new ReplayWindow();
    Set<Long> seen = new HashSet<>();
    long highest = -1;
    for (long c : seq) {
      boolean expected = !seen.contains(c) && (c > highest || highest - c < ReplayWindow.SIZE);
      assertThat(w.check(c)).as("check %d (highest %d)", c, highest).isEqualTo(expected);
      assertThat(w.update(c)).as("update %d (highest %d)", c, highest).isEqualTo(expected);
      if (expected) {
        seen.add(c);
        highest = Math.max(highest, c);
      }
      assertThat(w.check(c)).as("replay of %d", c).isFalse();
    }
  }

  @Test
  void tableKeepsOneWindowPerKeyAndSenderAndForgetsTheLeastRecentlyUsed() {
    ReplayTable t = new ReplayTable(2);
    assertThat(t.update(1, 7, 10)).isTrue();
    assertThat(t.update(2, 7, 10)).as("same sender under another key is another window").isTrue();
    assertThat(t.update(1, 7, 10)).isFalse();
    assertThat(t.update(1, 8, 10)).as("third sender evicts the least recent (2,7)").isTrue();
    assertThat(t.size()).isEqualTo(2);
    assertThat(t.check(1, 7, 10)).as("(1,7) was used recently and is kept").isFalse();
    assertThat(t.check(2, 7, 10)).as("(2,7) was forgotten").isTrue();
  }

  @Property(tries = 100)
  void tableNeverLosesARecentSenderUnderChurn(@ForAll("senders") List<Integer> senders) {
    ReplayTable t = new ReplayTable(16);
    for (int s : senders) {
      t.update(0, s, 1);
      assertThat(t.check(0, s, 1)).as("sender %d just used", s).isFalse();
      assertThat(t.size()).isLessThanOrEqualTo(16);
    }
  }

  @Provide
  Arbitrary<List<Integer>> senders() {
    return Arbitraries.integers().between(-40, 40).list().ofMaxSize(300);
  }
}
