package io.kubevde.vdeplug.plugin.seal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The receiving half of the seal codec: parses the clear header, refuses unknown keys and replays
 * before decrypting, authenticates and decrypts, and only then moves the sender's replay window.
 * One reusable {@link Cipher}; not thread-safe (one receiver thread per plug).
 */
public final class Opener {
  private final Cipher cipher;
  private final ReplayTable replay;
  private final byte[] nonce = new byte[SealFormat.NONCE];
  private final byte[] aad = new byte[SealFormat.HEADER];
  private final byte[] plain = new byte[SealFormat.MAX_FRAME];

  /**
   * An opener remembering the replay windows of up to {@code senders} (key id, sender id) pairs.
   */
  public Opener(int senders) {
    try {
      this.cipher = Cipher.getInstance(SealFormat.TRANSFORMATION);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + SealFormat.TRANSFORMATION, e);
    }
    this.replay = new ReplayTable(senders);
  }

  /**
   * Opens the sealed frame in {@code sealed} (absolute indices 0 to its limit) into {@code frame}
   * at its position. On {@link Verdict#OPENED} the frame (sealed length - {@value
   * SealFormat#OVERHEAD} bytes) was written and {@code frame}'s position advanced past it; on any
   * other verdict {@code frame} is not touched at all (decryption goes to a private scratch array
   * and is copied out only after the tag verified).
   *
   * @param sealed a heap buffer holding one received datagram
   * @param frame where the frame goes
   */
  public Verdict open(Keyring keys, ByteBuffer sealed, ByteBuffer frame) {
    int n = sealed.limit();
    if (n > io.kubevde.vdeplug.Plug.MAX_FRAME
        || !SealHeader.looksSealed(sealed)
        || sealed.getLong(SealFormat.COUNTER_OFFSET) < 0) return Verdict.MALFORMED;
    int plainLen = n - SealFormat.OVERHEAD;
    if (frame.remaining() < plainLen) return Verdict.MALFORMED;
    SealHeader h = SealHeader.readFrom(sealed);
    SealKey key = keys.byId(h.keyId());
    if (key == null) return Verdict.UNKNOWN_KEY;
    if (!replay.check(h.keyId(), h.senderId(), h.counter())) return Verdict.REPLAY;
    if (!sealed.hasArray()) throw new IllegalArgumentException("sealed must be a heap buffer");
    sealed.get(0, aad);
    sealed.get(SealFormat.SENDER_OFFSET, nonce);
    try {
      cipher.init(Cipher.DECRYPT_MODE, key.key(), new GCMParameterSpec(SealFormat.TAG_BITS, nonce));
      cipher.updateAAD(aad);
      // the JDK's GCM releases plaintext only after the tag verified; it goes to our scratch array
      // first anyway
      cipher.doFinal(
          sealed.array(),
          sealed.arrayOffset() + SealFormat.HEADER,
          n - SealFormat.HEADER,
          plain,
          0);
    } catch (GeneralSecurityException
        | RuntimeException e) { // AEADBadTagException: forged or corrupted
      return Verdict.BAD_TAG;
    }
    replay.update(
        h.keyId(),
        h.senderId(),
        h.counter()); // accepted: check() passed and only this thread updates
    frame.put(aad, 0, SealFormat.MACS).put(plain, 0, plainLen - SealFormat.MACS);
    return Verdict.OPENED;
  }

  /** Senders whose replay windows are remembered. */
  public int senders() {
    return replay.size();
  }
}
