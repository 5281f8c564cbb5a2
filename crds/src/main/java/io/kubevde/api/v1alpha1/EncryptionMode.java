package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Whether a {@link VdeNetwork}'s uplink frames are encrypted ({@code spec.encryption.mode}). */
public enum EncryptionMode {
  /** Plain vxvde on the wire, readable by C vxvde (vdeplug4); the default. */
  @JsonProperty("none")
  NONE,
  /**
   * Every uplink frame sealed with AES-256-GCM under the network's key (vdeplug README, {@code
   * seal://}).
   */
  @JsonProperty("sealed")
  SEALED
}
