package io.kubevde.vdeplug.plugin.seal;

import io.kubevde.vdeplug.Plug;

/**
 * Constants of the sealed-frame wire format (vdeplug/README.md "seal://", wire format table). A
 * sealed frame is itself an Ethernet frame, so switches, hubs, vxvde and taps under the seal plug
 * still learn and forward by MAC:
 *
 * <pre>
 *  0   6  destination MAC      clear, authenticated (AAD)
 *  6   6  source MAC           clear, authenticated (AAD)
 * 12   2  EtherType 0x88B6     clear, authenticated (AAD) - IEEE 802 local experimental EtherType 2
 * 14   1  magic/version 0xE1   clear, authenticated (AAD)
 * 15   1  key id (0..255)      clear, authenticated (AAD)
 * 16   4  sender id            clear, authenticated (AAD), big-endian, random per open
 * 20   8  counter              clear, authenticated (AAD), big-endian, 0 ≤ counter &lt; 2^63
 * 28   n  ciphertext of the original frame's bytes 12.. (EtherType + payload), n = frame length - 12
 * 28+n 16 AES-256-GCM tag
 * </pre>
 *
 * The 96-bit GCM nonce is sender id ‖ counter. The overhead is {@value #OVERHEAD} bytes per frame.
 */
public final class SealFormat {
  private SealFormat() {}

  /** The EtherType that marks a sealed frame (0x88B6, IEEE 802 local experimental EtherType 2). */
  public static final int ETHERTYPE = 0x88B6;

  /** Magic (high nibble 0xE) and format version (low nibble 1). */
  public static final int MAGIC_VERSION = 0xE1;

  /** Bytes of the two MAC addresses kept in clear. */
  public static final int MACS = 12;

  /** Offset of the key id byte. */
  public static final int KEY_ID_OFFSET = 15;

  /** Offset of the 32-bit sender id. */
  public static final int SENDER_OFFSET = 16;

  /** Offset of the 64-bit counter. */
  public static final int COUNTER_OFFSET = 20;

  /**
   * Bytes of the clear header, all of them authenticated as AAD (MACs, EtherType, version, key id,
   * sender, counter).
   */
  public static final int HEADER = 28;

  /** Bytes of the GCM authentication tag. */
  public static final int TAG = 16;

  /** Bytes a sealed frame is longer than the frame it carries: 28 - 12 + 16 = 32. */
  public static final int OVERHEAD = HEADER - MACS + TAG;

  /**
   * Largest frame the seal plug sends: the inner plug's maximum (9234) minus the overhead = 9202
   * bytes.
   */
  public static final int MAX_FRAME = Plug.MAX_FRAME - OVERHEAD;

  /** Smallest well-formed sealed frame: a 14-byte frame sealed = 46 bytes. */
  public static final int MIN_SEALED = Plug.MIN_FRAME + OVERHEAD;

  /** Bytes of the AEAD nonce (sender id ‖ counter). */
  public static final int NONCE = 12;

  /** Bits of the GCM tag. */
  public static final int TAG_BITS = TAG * 8;

  /**
   * The JDK transformation used: AES-256 in GCM mode (see the README for the choice over
   * ChaCha20-Poly1305).
   */
  public static final String TRANSFORMATION = "AES/GCM/NoPadding";
}
