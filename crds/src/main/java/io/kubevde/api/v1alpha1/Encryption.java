package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.time.Duration;
import java.util.regex.Matcher;

/**
 * Encryption of a {@link VdeNetwork}'s uplink ({@code spec.encryption}; crds/README.md
 * "Encryption").
 *
 * @param mode none (plain vxvde, wire-compatible with C vxvde; the default) or sealed (AES-256-GCM,
 *     {@code seal://})
 * @param rotationPeriod how often the operator rotates a sealed network's key, {@code <h>h<m>m<s>s}
 *     ({@code 24h}, {@code 90m}, {@code 1h30m}); default {@link #DEFAULT_ROTATION_PERIOD}; {@code
 *     0s} = only on request
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Encryption(
    @JsonPropertyDescription(
            "none (plain vxvde, wire-compatible with C vxvde; default) or sealed (AES-256-GCM)")
        EncryptionMode mode,
    @JsonPropertyDescription(
            "Key rotation period of a sealed network, e.g. 24h, 90m, 1h30m (default 24h; 0s: only"
                + " on request)")
        @Pattern(Patterns.DURATION)
        String rotationPeriod) {

  private static final java.util.regex.Pattern PARTS =
      java.util.regex.Pattern.compile("(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?");

  /** Rotation period when none is given. */
  public static final Duration DEFAULT_ROTATION_PERIOD = Duration.ofHours(24);

  /** Shortest period honoured (a shorter non-zero period is raised to it). */
  public static final Duration MIN_ROTATION_PERIOD = Duration.ofMinutes(1);

  /**
   * @return the mode, {@link EncryptionMode#NONE} when unset
   */
  public EncryptionMode effectiveMode() {
    return mode == null ? EncryptionMode.NONE : mode;
  }

  /**
   * @return the rotation period ({@link #DEFAULT_ROTATION_PERIOD} when unset; {@link Duration#ZERO}
   *     = never periodically; at least {@link #MIN_ROTATION_PERIOD} otherwise)
   * @throws IllegalArgumentException when the text does not match {@link Patterns#DURATION}
   */
  public Duration effectiveRotationPeriod() {
    if (rotationPeriod == null) return DEFAULT_ROTATION_PERIOD;
    Duration d = parseDuration(rotationPeriod);
    return d.isZero() || d.compareTo(MIN_ROTATION_PERIOD) >= 0 ? d : MIN_ROTATION_PERIOD;
  }

  /**
   * @param text {@code <h>h<m>m<s>s}, each part optional but at least one present
   * @return the duration
   * @throws IllegalArgumentException when the text does not match {@link Patterns#DURATION}
   */
  public static Duration parseDuration(String text) {
    Matcher m = PARTS.matcher(text);
    if (!text.matches(Patterns.DURATION) || !m.matches())
      throw new IllegalArgumentException(
          "bad duration '" + text + "' (expected e.g. 24h, 90m, 1h30m)");
    long h = m.group(2) == null ? 0 : Long.parseLong(m.group(2));
    long min = m.group(4) == null ? 0 : Long.parseLong(m.group(4));
    long s = m.group(6) == null ? 0 : Long.parseLong(m.group(6));
    return Duration.ofHours(h).plusMinutes(min).plusSeconds(s);
  }
}
