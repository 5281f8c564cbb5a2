package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** State of one {@link VdeLink} path as reported by the agent. */
public enum PathState {
  @JsonProperty("Up") UP,
  @JsonProperty("Down") DOWN,
  @JsonProperty("Unknown") UNKNOWN
}
