package io.kubevde.vdeplug.plugin.seal;

/**
 * What became of one received sealed frame; every value but {@link #OPENED} is a drop reason
 * counted by the plug.
 */
public enum Verdict {
  /** Authenticated, decrypted and delivered. */
  OPENED,
  /**
   * Too short, not the sealed EtherType, wrong magic/version, counter ≥ 2^63 or larger than the
   * caller's buffer.
   */
  MALFORMED,
  /** Its key id is not in the key file (any more). */
  UNKNOWN_KEY,
  /** The tag did not verify: forged, corrupted, or sealed under another key with the same id. */
  BAD_TAG,
  /** Its counter was already seen from that sender, or is older than the replay window. */
  REPLAY
}
