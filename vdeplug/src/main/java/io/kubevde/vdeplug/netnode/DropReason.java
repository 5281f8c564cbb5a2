package io.kubevde.vdeplug.netnode;

/**
 * Why a port's frame was dropped on entry by its {@link PortLimits} (see {@link PortPolicer}); the
 * {@link #label()} is the {@code reason} label of the agent's {@code vde_switch_drop_total}.
 */
public enum DropReason {
  /** Over the port's ingress frame rate. */
  POLICED_FRAMES("policed-frames"),
  /** Over the port's ingress byte rate. */
  POLICED_BYTES("policed-bytes"),
  /** Storm control: a broadcast frame (ff:ff:ff:ff:ff:ff) over the flood rate. */
  STORM_BROADCAST("storm-broadcast"),
  /** Storm control: a multicast frame (group bit set, not broadcast) over the flood rate. */
  STORM_MULTICAST("storm-multicast"),
  /** Storm control: a unicast frame to an unlearned destination over the flood rate. */
  STORM_UNKNOWN_UNICAST("storm-unknown-unicast");

  private final String label;

  DropReason(String label) {
    this.label = label;
  }

  /** The metric label ({@code policed-frames}, {@code storm-broadcast}, ...). */
  public String label() {
    return label;
  }
}
