package io.kubevde.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EncryptionTest {
  @Test
  void defaultsAreNoEncryptionAndDailyRotation() {
    VdeNetworkSpec none =
        new VdeNetworkSpec(null, null, null, null, null, null, null, null, null, null);
    assertThat(none.sealed()).isFalse();
    assertThat(none.effectiveMtu()).isEqualTo(1450);
    VdeNetworkSpec sealed =
        new VdeNetworkSpec(
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            new Encryption(EncryptionMode.SEALED, null));
    assertThat(sealed.sealed()).isTrue();
    assertThat(sealed.effectiveMtu()).as("32 bytes of seal overhead").isEqualTo(1418);
    assertThat(sealed.encryption().effectiveRotationPeriod()).isEqualTo(Duration.ofHours(24));
    assertThat(new Encryption(null, null).effectiveMode()).isEqualTo(EncryptionMode.NONE);
    VdeNetworkSpec local =
        new VdeNetworkSpec(
            Transport.LOCAL,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            new Encryption(EncryptionMode.SEALED, null));
    assertThat(local.sealed()).as("no uplink, nothing to seal").isFalse();
  }

  @Test
  void rotationPeriodsParse() {
    assertThat(Encryption.parseDuration("1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Encryption.parseDuration("90s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(new Encryption(EncryptionMode.SEALED, "0s").effectiveRotationPeriod()).isZero();
    assertThat(new Encryption(EncryptionMode.SEALED, "5s").effectiveRotationPeriod())
        .isEqualTo(Duration.ofMinutes(1));
    for (String bad : new String[] {"", "1d", "h", "30m1h", "-1h"}) {
      assertThat(bad.matches(Patterns.DURATION)).as(bad).isFalse();
      assertThatThrownBy(() -> Encryption.parseDuration(bad))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
