package io.kubevde.vdeplug.plugin.seal;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;

/**
 * The sending half of the seal codec: one reusable {@link Cipher}, one sender id and one counter.
 * Nonces never repeat for a key: the sender id is drawn at random for every {@code Sealer} (every
 * open of a seal plug), the counter starts at a random value below 2^62 and only increases (see the
 * README for the uniqueness argument). Not thread-safe: one Sealer per sending thread (the plug
 * serialises its senders).
 */
public final class Sealer {
  private final Cipher cipher;
  private final int senderId;
  private final byte[] aad = new byte[SealFormat.HEADER];
  private final ByteBuffer aadView = ByteBuffer.wrap(aad);
  private final byte[] nonce = new byte[SealFormat.NONCE];
  private final byte[] plain = new byte[SealFormat.MAX_FRAME];
  private long counter;

  /** A sealer with a random sender id and counter start. */
  public Sealer(SecureRandom random) {
    this(random.nextInt(), random.nextLong() >>> 2);
  }

  /**
   * A sealer with the given sender id and first counter (tests; production uses random ones).
   *
   * @param firstCounter 0 ≤ firstCounter &lt; 2^63
   */
  public Sealer(int senderId, long firstCounter) {
    if (firstCounter < 0) throw new IllegalArgumentException("counter must be < 2^63");
    try {
      this.cipher = Cipher.getInstance(SealFormat.TRANSFORMATION);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK lacks " + SealFormat.TRANSFORMATION, e);
    }
    this.senderId = senderId;
    this.counter = firstCounter;
  }

  /** This sender's id. */
  public int senderId() {
    return senderId;
  }

  /** The counter the next frame will carry. */
  public long nextCounter() {
    return counter;
  }

  /**
   * Seals the frame between {@code frame}'s position and limit (14..{@link SealFormat#MAX_FRAME}
   * bytes) under {@code key} into {@code out} from index 0 ({@code out} is cleared first and
   * flipped at the end: position 0, limit = sealed length = frame length + {@value
   * SealFormat#OVERHEAD}). {@code frame}'s position ends at its limit.
   *
   * @param out a heap buffer with capacity ≥ frame length + {@value SealFormat#OVERHEAD}
   * @throws IllegalArgumentException when the frame length is out of range
   * @throws IllegalStateException when the counter is exhausted (2^63 frames) or the JDK refuses
   *     the key
   */
  public void seal(SealKey key, ByteBuffer frame, ByteBuffer out) {
    int n = frame.remaining();
    if (n < io.kubevde.vdeplug.Plug.MIN_FRAME || n > SealFormat.MAX_FRAME) {
      throw new IllegalArgumentException(
          "frame of " + n + " bytes (must be 14.." + SealFormat.MAX_FRAME + ")");
    }
    if (counter < 0) throw new IllegalStateException("seal: counter exhausted; reopen the plug");
    int p = frame.position();
    frame.get(
        p, plain, 0,
        n); // one copy: the JDK's GCM allocates far more for direct buffers than for arrays
    frame.position(frame.limit());
    System.arraycopy(plain, 0, aad, 0, SealFormat.MACS);
    new SealHeader(key.id(), senderId, counter).writeTo(aadView);
    System.arraycopy(aad, SealFormat.SENDER_OFFSET, nonce, 0, SealFormat.NONCE);
    counter++;
    out.clear();
    if (!out.hasArray() || out.capacity() < n + SealFormat.OVERHEAD) {
      throw new IllegalArgumentException(
          "out must be a heap buffer of at least " + (n + SealFormat.OVERHEAD) + " bytes");
    }
    byte[] o = out.array();
    int base = out.arrayOffset();
    System.arraycopy(aad, 0, o, base, SealFormat.HEADER);
    int written;
    try {
      cipher.init(Cipher.ENCRYPT_MODE, key.key(), new GCMParameterSpec(SealFormat.TAG_BITS, nonce));
      cipher.updateAAD(aad);
      written =
          cipher.doFinal(plain, SealFormat.MACS, n - SealFormat.MACS, o, base + SealFormat.HEADER);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("seal: encryption failed: " + e, e);
    }
    out.position(SealFormat.HEADER + written);
    out.flip();
  }
}
