package io.kubevde.vdeplug.plugin.seal;

import java.nio.ByteBuffer;

/**
 * The fields of a sealed frame's clear header after the MACs (offsets 12..27, see {@link
 * SealFormat}).
 *
 * @param keyId key id, 0..255
 * @param senderId the sender's random 32-bit id (first 4 bytes of the nonce)
 * @param counter the sender's frame counter (last 8 bytes of the nonce), 0 ≤ counter &lt; 2^63
 */
public record SealHeader(int keyId, int senderId, long counter) {

  public SealHeader {
    if (keyId < 0 || keyId > 255)
      throw new IllegalArgumentException("key id must be 0..255, got " + keyId);
    if (counter < 0)
      throw new IllegalArgumentException(
          "counter must be < 2^63, got " + Long.toUnsignedString(counter));
  }

  /**
   * Writes EtherType, version, key id, sender id and counter at absolute offsets 12..27 of {@code
   * b}.
   */
  public void writeTo(ByteBuffer b) {
    b.putShort(SealFormat.MACS, (short) SealFormat.ETHERTYPE);
    b.put(SealFormat.MACS + 2, (byte) SealFormat.MAGIC_VERSION);
    b.put(SealFormat.KEY_ID_OFFSET, (byte) keyId);
    b.putInt(SealFormat.SENDER_OFFSET, senderId);
    b.putLong(SealFormat.COUNTER_OFFSET, counter);
  }

  /**
   * Whether {@code b} (absolute offsets from 0 to its limit) carries the sealed EtherType and our
   * magic/version and is long enough to hold a sealed minimal frame.
   */
  public static boolean looksSealed(ByteBuffer b) {
    return b.limit() >= SealFormat.MIN_SEALED
        && (b.getShort(SealFormat.MACS) & 0xffff) == SealFormat.ETHERTYPE
        && (b.get(SealFormat.MACS + 2) & 0xff) == SealFormat.MAGIC_VERSION;
  }

  /**
   * Reads the header of a buffer that {@link #looksSealed}; absolute offsets.
   *
   * @throws IllegalArgumentException when the counter is ≥ 2^63 (malformed)
   */
  public static SealHeader readFrom(ByteBuffer b) {
    return new SealHeader(
        b.get(SealFormat.KEY_ID_OFFSET) & 0xff,
        b.getInt(SealFormat.SENDER_OFFSET),
        b.getLong(SealFormat.COUNTER_OFFSET));
  }
}
