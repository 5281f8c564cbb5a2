package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** State of one {@link VdeLink} path as reported by the agent. */
public enum PathState {
  @JsonProperty("Up")
  UP,
  @JsonProperty("Down")
  DOWN,
  /**
   * The agent refuses to open the path (link policy: a scheme the namespace may not use); see the
   * message.
   */
  @JsonProperty("Refused")
  REFUSED,
  @JsonProperty("Unknown")
  UNKNOWN
}
