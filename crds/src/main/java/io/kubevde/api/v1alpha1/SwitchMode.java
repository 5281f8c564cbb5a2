package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Forwarding policy of the per-node netnode of a {@link VdeNetwork} (vdeplug4 {@code switch://} or
 * {@code hub://}).
 */
public enum SwitchMode {
  /** MAC-learning switch (default). */
  @JsonProperty("learning")
  LEARNING,
  /** Every frame to every port. */
  @JsonProperty("hub")
  HUB
}
