package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Address management of a {@link VdeNetwork}. */
public enum IpamType {
  /**
   * Like Flannel + host-local: the operator splits the subnet into one block per node, each node's
   * agent hands out addresses from its own block (no cross-node coordination on the pod start
   * path). The default.
   */
  @JsonProperty("host-local")
  HOST_LOCAL,
  /** Pure L2: interfaces get no address. */
  @JsonProperty("none")
  NONE
}
