package io.kubevde.agent.dataplane;

import io.kubevde.vdeplug.netnode.PortLimits;

/**
 * Ingress policing and storm control of every network switch on this node ({@link PortLimits},
 * vdeplug README "Per-port ingress policing and storm control"): {@code ports} for pod taps,
 * VdeLink paths and local {@code vde://} clients, {@code uplink} for the network's uplink to the
 * other nodes. Set from the agent's {@code --storm-pps}, {@code --police-pps}, {@code
 * --police-bps}, {@code --uplink-storm-pps} and {@code --burst-ms}.
 *
 * @param ports limits of each pod, link and client port
 * @param uplink limits of the uplink port (it carries the whole cluster's traffic to this node, so
 *     it is never policed by default and its storm limit is higher)
 */
public record SwitchLimits(PortLimits ports, PortLimits uplink) {

  /**
   * Default uplink storm-control rate: 20000 flooded frames/s (the broadcasts, multicasts and
   * unknown unicasts of every other node's pods together; each node's own ports are limited to
   * {@value PortLimits#DEFAULT_FLOOD_PPS}/s already).
   */
  public static final long DEFAULT_UPLINK_FLOOD_PPS = 20_000;

  /** Defaults: ports {@link PortLimits#DEFAULT}, uplink storm control at 20000 frames/s only. */
  public static final SwitchLimits DEFAULT =
      new SwitchLimits(PortLimits.DEFAULT, PortLimits.DEFAULT.withFlood(DEFAULT_UPLINK_FLOOD_PPS));

  /** Null components become the defaults. */
  public SwitchLimits {
    ports = ports == null ? DEFAULT.ports() : ports;
    uplink = uplink == null ? DEFAULT.uplink() : uplink;
  }
}
