package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class KeyRingTest {
  private static final Duration GRACE = Duration.ofSeconds(30);
  private static final Instant T0 = Instant.parse("2026-12-05T09:00:00Z");
  private final AtomicInteger made = new AtomicInteger();
  private final Supplier<byte[]> keys =
      () -> {
        byte[] k = new byte[32];
        Arrays.fill(k, (byte) made.incrementAndGet());
        return k;
      };

  @Test
  void periodicRotationGoesThroughThreePhasesOneGraceApart() {
    KeyRing r = KeyRing.fresh(keys.get(), T0, null);
    Duration day = Duration.ofHours(24);
    KeyRing.Step s = r.next(T0.plusSeconds(60), day, GRACE, null, keys);
    assertThat(s.ring()).isSameAs(r);
    assertThat(s.wakeUp()).isEqualTo(day.minusSeconds(60));

    Instant t1 = T0.plus(day);
    s = r.next(t1, day, GRACE, null, keys);
    assertThat(s.ring().phase()).isEqualTo(KeyRing.Phase.ADDING);
    assertThat(s.ring().keyFileText())
        .contains("1 AQEB", "current\n2 AgIC")
        .doesNotContain("AgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgI= current");
    assertThat(s.ring().currentId()).isEqualTo(1);
    assertThat(s.wakeUp()).isEqualTo(GRACE);

    KeyRing adding = s.ring();
    assertThat(adding.next(t1.plusSeconds(10), day, GRACE, null, keys).ring())
        .as("too early")
        .isSameAs(adding);
    s = adding.next(t1.plus(GRACE), day, GRACE, null, keys);
    assertThat(s.ring().phase()).isEqualTo(KeyRing.Phase.RETIRING);
    assertThat(s.ring().currentId()).isEqualTo(2);
    assertThat(s.ring().keys()).hasSize(2);
    assertThat(s.ring().rotatedAt()).isEqualTo(t1.plus(GRACE));

    Instant t3 = t1.plus(GRACE).plus(GRACE);
    s = s.ring().next(t3, day, GRACE, null, keys);
    assertThat(s.ring().phase()).isEqualTo(KeyRing.Phase.STABLE);
    assertThat(s.ring().keys()).extracting(KeyRing.Key::id).containsExactly(2);
    assertThat(s.wakeUp()).isEqualTo(day.minus(GRACE));
  }

  @Test
  void aNewRequestValueRotatesOnceAndTheValueAtCreationDoesNot() {
    KeyRing r = KeyRing.fresh(keys.get(), T0, "a");
    assertThat(r.next(T0.plusSeconds(1), Duration.ZERO, GRACE, "a", keys).ring()).isSameAs(r);
    assertThat(r.next(T0.plusSeconds(1), Duration.ZERO, GRACE, "a", keys).wakeUp())
        .as("no period: no wake-up")
        .isNull();
    KeyRing adding = r.next(T0.plusSeconds(1), Duration.ZERO, GRACE, "b", keys).ring();
    assertThat(adding.phase()).isEqualTo(KeyRing.Phase.ADDING);
    assertThat(adding.handledRequest()).isEqualTo("b");
  }

  @Test
  void theSecretFormRoundTripsAndIdsWrapAt256() {
    KeyRing r =
        new KeyRing(
            java.util.List.of(
                new KeyRing.Key(
                    255, java.util.Base64.getEncoder().encodeToString(keys.get()), true)),
            KeyRing.Phase.STABLE,
            T0,
            T0,
            "x");
    assertThat(KeyRing.read(r.keyFileText(), r.annotations())).isEqualTo(r);
    KeyRing adding = r.next(T0.plusSeconds(1), Duration.ZERO, GRACE, "y", keys).ring();
    assertThat(adding.keys().getLast().id()).isZero();
    assertThat(KeyRing.read(adding.keyFileText(), adding.annotations())).isEqualTo(adding);
    assertThat(KeyRing.read("1 short current\n", r.annotations())).isNull();
    assertThat(KeyRing.read(null, r.annotations())).isNull();
  }
}
