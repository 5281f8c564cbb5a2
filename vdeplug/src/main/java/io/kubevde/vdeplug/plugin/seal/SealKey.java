package io.kubevde.vdeplug.plugin.seal;

import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;

/**
 * One network key: its id on the wire and the 256-bit AES key. {@link #toString()} never shows the
 * key.
 *
 * @param id key id, 0..255 (the key id byte of the sealed header)
 * @param key the AES-256 key (32 bytes)
 */
public record SealKey(int id, SecretKey key) {

  /** Key length in bytes (AES-256). */
  public static final int BYTES = 32;

  public SealKey {
    if (id < 0 || id > 255) throw new IllegalArgumentException("key id must be 0..255, got " + id);
    if (key.getEncoded() == null || key.getEncoded().length != BYTES) {
      throw new IllegalArgumentException("key " + id + " must be " + BYTES + " bytes");
    }
  }

  /** A key from its 32 raw bytes. */
  public static SealKey of(int id, byte[] raw) {
    if (raw.length != BYTES)
      throw new IllegalArgumentException("key " + id + " must be 32 bytes, got " + raw.length);
    return new SealKey(id, new SecretKeySpec(raw, "AES"));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SealKey k
        && k.id == id
        && java.security.MessageDigest.isEqual(k.key.getEncoded(), key.getEncoded());
  }

  @Override
  public int hashCode() {
    return id;
  }

  @Override
  public String toString() {
    return "SealKey[id=" + id + "]";
  }
}
