package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The token bucket behind ingress policing and storm control (explicit clock, pure logic). */
class TokenBucketTest {
  private static final long S = 1_000_000_000L;

  private static int passed(TokenBucket b, int tries, long tokens, long now) {
    int n = 0;
    for (int i = 0; i < tries; i++) if (b.take(tokens, now)) n++;
    return n;
  }

  @Test
  void aFullBucketLetsTheBurstThroughThenTheRate() {
    TokenBucket b = new TokenBucket(100, 20, 0);
    assertThat(passed(b, 1000, 1, 0)).as("burst at t=0").isEqualTo(20);
    assertThat(passed(b, 1000, 1, S / 10)).as("100/s for 100 ms").isEqualTo(10);
    assertThat(passed(b, 1000, 1, S / 10 + S / 100)).as("one more 10 ms").isEqualTo(1);
  }

  @Test
  void refillStopsAtTheCapacityEvenAfterALongIdleTime() {
    TokenBucket b = new TokenBucket(1_000_000_000L, 1_000_000_000L, 0);
    assertThat(b.take(1_000_000_000L, 0)).isTrue();
    // a day later: elapsed * rate would overflow a long
    long day = 86_400L * S;
    assertThat(passed(b, 3, 1_000_000_000L, day)).isEqualTo(1);
  }

  @Test
  void aRefusedTakeSpendsNothing() {
    TokenBucket b = new TokenBucket(1000, 1500, 0);
    assertThat(b.take(1000, 0)).isTrue();
    assertThat(b.take(1000, 0)).as("500 left").isFalse();
    assertThat(b.take(500, 0)).as("the refused 1000 did not spend the 500").isTrue();
  }

  @Test
  void fractionalRefillsAccumulate() {
    TokenBucket b = new TokenBucket(3, 100, 0);
    assertThat(b.take(100, 0)).isTrue();
    int n = 0;
    for (long t = S / 1000; t <= 10 * S; t += S / 1000) if (b.take(1, t)) n++;
    assertThat(n).as("3/s over 10 s in 1 ms steps").isEqualTo(30);
  }

  @Test
  void nanosUntilTellsWhenTokensWillBeThereWithoutSpending() {
    TokenBucket b = new TokenBucket(1000, 10, 0);
    assertThat(b.nanosUntil(1, 0)).as("full").isZero();
    assertThat(b.take(10, 0)).isTrue();
    assertThat(b.nanosUntil(1, 0)).isEqualTo(S / 1000);
    assertThat(b.nanosUntil(1, S / 2000)).isEqualTo(S / 2000);
    assertThat(b.nanosUntil(5, 0)).isEqualTo(5 * S / 1000);
    assertThat(b.nanosUntil(1000, 0)).as("more than the capacity: until full").isEqualTo(S / 100);
    assertThat(b.take(1, S / 1000)).as("nothing was spent by asking").isTrue();
  }

  @Test
  void clockGoingBackwardsAddsNothing() {
    TokenBucket b = new TokenBucket(10, 1, 5 * S);
    assertThat(b.take(1, 5 * S)).isTrue();
    assertThat(b.take(1, 4 * S)).isFalse();
  }

  @Test
  void badParametersAreRefused() {
    assertThatThrownBy(() -> new TokenBucket(0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(10, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucket(2_000_000_000L, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
