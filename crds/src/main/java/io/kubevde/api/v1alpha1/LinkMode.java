package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** How a {@link VdeLink} uses its paths (vdeplug4 netnodes). */
public enum LinkMode {
  /** One path at a time (the first that is up). */
  @JsonProperty("single")
  SINGLE,
  /** {@code multi://}: frames go over every path, duplicates dropped; a hand-off loses no frame. */
  @JsonProperty("multi")
  MULTI,
  /** {@code bonding://}: frames spread over the paths that are up. */
  @JsonProperty("bonding")
  BONDING
}
