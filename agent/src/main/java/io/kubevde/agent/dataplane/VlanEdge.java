package io.kubevde.agent.dataplane;

/**
 * A pod's port at the VLAN edge of its network's switch: an access or trunk port ({@link
 * PortVlanPlug}) or a plain port in no VLAN ({@link UntaggedPortPlug}).
 */
public sealed interface VlanEdge permits PortVlanPlug, UntaggedPortPlug {
  /** Frames from the pod dropped on entry because of their 802.1Q tag (frames). */
  long vlanDrops();
}
