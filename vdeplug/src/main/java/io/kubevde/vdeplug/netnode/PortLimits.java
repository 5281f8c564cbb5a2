package io.kubevde.vdeplug.netnode;

/**
 * Per-port ingress limits of a netnode (kubevde extension, not in vdeplug4 or vde-2): every port of
 * a node with these limits gets its own token buckets, checked on the port's reader thread before
 * the frame takes the node's forwarding lock or touches the MAC table.
 *
 * <ul>
 *   <li><b>Ingress policing</b>: at most {@code framesPerSecond} frames and {@code bytesPerSecond}
 *       bytes per second enter the node through the port (each 0 = no limit); the excess is dropped
 *       on entry (reasons {@code policed-frames}, {@code policed-bytes}).
 *   <li><b>Storm control</b>: at most {@code floodFramesPerSecond} frames per second from the port
 *       may be <em>flooded</em> — broadcast, multicast, and unicast to a destination the switch has
 *       not learned (0 = no limit). The excess is dropped before it is learned or flooded (reasons
 *       {@code storm-broadcast}, {@code storm-multicast}, {@code storm-unknown-unicast}). Hubs
 *       apply it to broadcast and multicast only (a hub floods unicast by design); {@code multi}
 *       and {@code bonding} never flood a port's frames.
 * </ul>
 *
 * Each bucket holds {@code burstMillis} worth of its rate (at least one frame, and for the byte
 * bucket at least one maximal frame), so short bursts pass at full speed. The host port (the node's
 * own plug) is never limited.
 *
 * @param framesPerSecond ingress frames/s per port, 0 = unlimited (default 0)
 * @param bytesPerSecond ingress bytes/s per port, 0 = unlimited (default 0)
 * @param floodFramesPerSecond flooded frames/s per port, 0 = unlimited (default {@value
 *     #DEFAULT_FLOOD_PPS})
 * @param burstMillis bucket depth in ms of the rate, 1..60000 (default {@value #DEFAULT_BURST_MS})
 */
public record PortLimits(
    long framesPerSecond, long bytesPerSecond, long floodFramesPerSecond, int burstMillis) {

  /**
   * Default storm-control rate: 1000 flooded frames/s per port, far above what ARP, ND, DHCP and
   * mDNS need (a few per second per pod; an ARP sweep of a /22 in a second), 1 % of a 100k frames/s
   * flood. Every admitted frame is copied to every port and, in vxvde unicast mode, to every peer
   * node, so the admitted rate is multiplied downstream.
   */
  public static final long DEFAULT_FLOOD_PPS = 1000;

  /** Default bucket depth: 200 ms of the rate. */
  public static final int DEFAULT_BURST_MS = 200;

  /** Largest rate accepted (frames or bytes per second). */
  public static final long MAX_RATE = 1_000_000_000L;

  /** The defaults: no ingress policing, storm control at {@value #DEFAULT_FLOOD_PPS} frames/s. */
  public static final PortLimits DEFAULT =
      new PortLimits(0, 0, DEFAULT_FLOOD_PPS, DEFAULT_BURST_MS);

  /** No limit at all (the host port; vdeplug4 behaviour). */
  public static final PortLimits NONE = new PortLimits(0, 0, 0, DEFAULT_BURST_MS);

  /**
   * @throws IllegalArgumentException for a negative rate, a rate above {@link #MAX_RATE} or a burst
   *     outside 1..60000 ms
   */
  public PortLimits {
    check("framesPerSecond", framesPerSecond);
    check("bytesPerSecond", bytesPerSecond);
    check("floodFramesPerSecond", floodFramesPerSecond);
    if (burstMillis < 1 || burstMillis > 60_000)
      throw new IllegalArgumentException("burstMillis must be 1..60000: " + burstMillis);
  }

  private static void check(String name, long v) {
    if (v < 0 || v > MAX_RATE)
      throw new IllegalArgumentException(name + " must be 0.." + MAX_RATE + ": " + v);
  }

  /** A copy with ingress policing at {@code fps} frames/s and {@code bps} bytes/s (0 = off). */
  public PortLimits withPolicing(long fps, long bps) {
    return new PortLimits(fps, bps, floodFramesPerSecond, burstMillis);
  }

  /** A copy with storm control at {@code fps} flooded frames/s (0 = off). */
  public PortLimits withFlood(long fps) {
    return new PortLimits(framesPerSecond, bytesPerSecond, fps, burstMillis);
  }

  /** A copy with buckets {@code ms} deep. */
  public PortLimits withBurst(int ms) {
    return new PortLimits(framesPerSecond, bytesPerSecond, floodFramesPerSecond, ms);
  }

  /** Whether any limit is set. */
  public boolean limited() {
    return framesPerSecond > 0 || bytesPerSecond > 0 || floodFramesPerSecond > 0;
  }

  /** Bucket depth for {@code rate} per second: {@code burstMillis} of it, at least {@code min}. */
  long depth(long rate, long min) {
    return Math.min(MAX_RATE, Math.max(min, rate * burstMillis / 1000));
  }

  @Override
  public String toString() {
    return "police "
        + (framesPerSecond == 0 ? "off" : framesPerSecond + " frames/s")
        + ", "
        + (bytesPerSecond == 0 ? "off" : bytesPerSecond + " bytes/s")
        + "; storm "
        + (floodFramesPerSecond == 0 ? "off" : floodFramesPerSecond + " frames/s")
        + "; burst "
        + burstMillis
        + " ms";
  }
}
