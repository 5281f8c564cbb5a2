package io.kubevde.operator.model;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The keys of one sealed network and where its rotation stands: what the operator keeps in the
 * network's Secret ({@link NetworkResources#keySecret}: the seal key file under {@code
 * network.key}, the phase in annotations). Pure code: the key bytes come from a supplier (the
 * reconciler's {@code SecureRandom}).
 *
 * <p>Rotation without loss (vdeplug README, seal "Rotation without loss"), one step per phase, each
 * at least a grace period after the previous one so that every agent has the file before the next
 * step:
 *
 * <ol>
 *   <li>{@link Phase#STABLE} → {@link Phase#ADDING}: the new key is listed but not current
 *       (receivers accept it);
 *   <li>{@link Phase#ADDING} → {@link Phase#RETIRING}: the new key is current (senders switch), the
 *       old one listed;
 *   <li>{@link Phase#RETIRING} → {@link Phase#STABLE}: the old key is removed.
 * </ol>
 *
 * A rotation starts when the rotation period has passed since the last one, or when the request
 * annotation's value differs from the one last handled; a request during a rotation is handled
 * after it.
 *
 * @param keys the keys, in key file order (at most two)
 * @param phase where the rotation stands
 * @param phaseSince when that phase began
 * @param rotatedAt when the current key became current
 * @param handledRequest the last request value acted on (or seen at creation), or null
 */
public record KeyRing(
    List<Key> keys, Phase phase, Instant phaseSince, Instant rotatedAt, String handledRequest) {

  /** Annotation on the Secret: {@link Phase} name. */
  public static final String ANN_PHASE = "kubevde.io/key-phase";

  /** Annotation on the Secret: when the phase began (RFC 3339). */
  public static final String ANN_PHASE_SINCE = "kubevde.io/key-phase-since";

  /** Annotation on the Secret: when the current key became current (RFC 3339). */
  public static final String ANN_ROTATED_AT = "kubevde.io/key-rotated-at";

  /** Annotation on the Secret: the last rotation request value acted on. */
  public static final String ANN_HANDLED_REQUEST = "kubevde.io/rotate-key-handled";

  /** Annotation on a VdeNetwork a user sets to a new value to request a rotation. */
  public static final String ROTATE_REQUEST = "kubevde.io/rotate-key";

  /** Length of a key in bytes (AES-256). */
  public static final int KEY_BYTES = 32;

  /** Copies the key list. */
  public KeyRing {
    keys = List.copyOf(keys);
  }

  /** A rotation phase. */
  public enum Phase {
    /** One key, current. */
    STABLE("Stable"),
    /** The new key is listed (accepted) but not current. */
    ADDING("Adding"),
    /** The new key is current; the old one is still accepted. */
    RETIRING("Retiring");

    private final String text;

    Phase(String text) {
      this.text = text;
    }

    /**
     * @return the name shown in status and annotations ({@code Stable})
     */
    public String text() {
      return text;
    }

    static Phase parse(String s) {
      for (Phase p : values()) if (p.text.equals(s)) return p;
      throw new IllegalArgumentException("unknown key phase " + s);
    }
  }

  /**
   * One key of the file.
   *
   * @param id key id 0..255
   * @param secret the 32 key bytes, base64 (standard alphabet, padded)
   * @param current whether senders seal with it
   */
  public record Key(int id, String secret, boolean current) {}

  /**
   * What to do now.
   *
   * @param ring the key ring to publish (the same object when nothing changed)
   * @param wakeUp when to look again (null: never by itself, e.g. no periodic rotation)
   */
  public record Step(KeyRing ring, Duration wakeUp) {}

  /**
   * @param key 32 random bytes
   * @param now the time
   * @param request the request annotation's current value (recorded as handled: creation is no
   *     rotation), or null
   * @return a ring with one current key, id 1
   */
  public static KeyRing fresh(byte[] key, Instant now, String request) {
    return new KeyRing(List.of(new Key(1, encode(key), true)), Phase.STABLE, now, now, request);
  }

  /**
   * @return the id of the key senders use
   */
  public int currentId() {
    return keys.stream().filter(Key::current).findFirst().orElse(keys.getLast()).id();
  }

  /**
   * @param now the time
   * @param period rotation period ({@link Duration#ZERO}: only on request)
   * @param grace time every agent gets between two phases
   * @param request the request annotation's value on the network, or null
   * @param newKey source of fresh 32-byte keys
   * @return the next ring and when to look again
   */
  public Step next(
      Instant now, Duration period, Duration grace, String request, Supplier<byte[]> newKey) {
    Instant due = phaseSince.plus(grace);
    switch (phase) {
      case ADDING -> {
        if (now.isBefore(due)) return new Step(this, Duration.between(now, due));
        Key added = keys.getLast();
        List<Key> ks =
            List.of(
                new Key(keys.getFirst().id(), keys.getFirst().secret(), false),
                new Key(added.id(), added.secret(), true));
        return new Step(new KeyRing(ks, Phase.RETIRING, now, now, handledRequest), grace);
      }
      case RETIRING -> {
        if (now.isBefore(due)) return new Step(this, Duration.between(now, due));
        Key cur = keys.stream().filter(Key::current).findFirst().orElseThrow();
        KeyRing stable = new KeyRing(List.of(cur), Phase.STABLE, now, rotatedAt, handledRequest);
        return new Step(stable, stable.untilPeriodic(now, period));
      }
      default -> {
        boolean requested = request != null && !request.equals(handledRequest);
        boolean periodic = !period.isZero() && !now.isBefore(rotatedAt.plus(period));
        if (!requested && !periodic) return new Step(this, untilPeriodic(now, period));
        Key cur = keys.getFirst();
        Key added = new Key((cur.id() + 1) % 256, encode(newKey.get()), false);
        return new Step(
            new KeyRing(
                List.of(cur, added),
                Phase.ADDING,
                now,
                rotatedAt,
                requested ? request : handledRequest),
            grace);
      }
    }
  }

  private Duration untilPeriodic(Instant now, Duration period) {
    if (period.isZero()) return null;
    Duration d = Duration.between(now, rotatedAt.plus(period));
    return d.isNegative() ? Duration.ZERO : d;
  }

  /**
   * @return the seal key file: {@code ID BASE64 [current]} per line (vdeplug README, seal "Key
   *     file")
   */
  public String keyFileText() {
    StringBuilder sb = new StringBuilder("# kubevde network key; managed by kubevde-operator\n");
    for (Key k : keys)
      sb.append(k.id()).append(' ').append(k.secret()).append(k.current() ? " current\n" : "\n");
    return sb.toString();
  }

  /**
   * @return the Secret annotations recording phase, times and the handled request
   */
  public Map<String, String> annotations() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(ANN_PHASE, phase.text());
    m.put(ANN_PHASE_SINCE, phaseSince.toString());
    m.put(ANN_ROTATED_AT, rotatedAt.toString());
    if (handledRequest != null) m.put(ANN_HANDLED_REQUEST, handledRequest);
    return m;
  }

  /**
   * Reads back what {@link #keyFileText()} and {@link #annotations()} wrote.
   *
   * @param keyFile the key file text, or null
   * @param annotations the Secret's annotations, or null
   * @return the ring, or null when there is none or it is unreadable (then a fresh key is made)
   */
  public static KeyRing read(String keyFile, Map<String, String> annotations) {
    if (keyFile == null || annotations == null) return null;
    try {
      List<Key> keys = new ArrayList<>();
      for (String line : keyFile.split("\n")) {
        String l = line.strip();
        if (l.isEmpty() || l.startsWith("#")) continue;
        String[] f = l.split("\\s+");
        if (Base64.getDecoder().decode(f[1]).length != KEY_BYTES) return null;
        keys.add(new Key(Integer.parseInt(f[0]), f[1], f.length > 2 && "current".equals(f[2])));
      }
      if (keys.isEmpty() || keys.size() > 2) return null;
      return new KeyRing(
          keys,
          Phase.parse(annotations.get(ANN_PHASE)),
          Instant.parse(Objects.requireNonNull(annotations.get(ANN_PHASE_SINCE))),
          Instant.parse(Objects.requireNonNull(annotations.get(ANN_ROTATED_AT))),
          annotations.get(ANN_HANDLED_REQUEST));
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String encode(byte[] key) {
    if (key.length != KEY_BYTES)
      throw new IllegalArgumentException("a key has " + KEY_BYTES + " bytes");
    return Base64.getEncoder().encodeToString(key);
  }
}
