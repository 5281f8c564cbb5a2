package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.PlugStats;
import java.nio.ByteBuffer;

/**
 * One port of a {@link Netnode}: a C or Java {@code vde://} client (a datagram socket), an
 * in-process {@link io.kubevde.vdeplug.Plug} (a tap, a vxvde uplink), or the host (the node's own
 * plug). Its {@link #stats()} count frames that entered the node through it ({@code rx}) and frames
 * the node delivered to it ({@code tx}); a delivery that would block is dropped and counted.
 */
public abstract sealed class NetnodePort permits HostPort, UnixClientPort, PlugPort {
  private static final java.util.concurrent.atomic.AtomicInteger ENDPOINTS =
      new java.util.concurrent.atomic.AtomicInteger();
  private final int id;
  private final int endpoint = ENDPOINTS.incrementAndGet();
  private final String description;
  private final PlugStats stats = new PlugStats();
  private final PortPolicer policer;
  private volatile long lastInputNanos = System.nanoTime();
  private volatile boolean blocked;
  private volatile long blockedIn;
  private volatile long blockedOut;
  // the owning node's delivery context (set before the port is published; null for a bare port)
  Delivery delivery;
  // guarded by the node's forwarding lock: this port is in the delivery's pending list
  boolean flushPending;

  NetnodePort(int id, String description, PortLimits limits) {
    this.id = id;
    this.description = description == null ? "" : description;
    this.policer = new PortPolicer(limits, System.nanoTime());
  }

  /** The port number (0 = host; others from 1). */
  public final int id() {
    return id;
  }

  /**
   * This endpoint's id, unique in the process (vde_switch's {@code port/print} "endpoint ID", used
   * by {@code port/epclose}).
   */
  public final int endpoint() {
    return endpoint;
  }

  /** Who owns this endpoint ({@link ClientIdentity#NONE} for in-process ports). */
  public ClientIdentity identity() {
    return ClientIdentity.NONE;
  }

  /** The description (the client's request text, or what the API caller gave). */
  public final String description() {
    return description;
  }

  /** The port's counters. */
  public final PlugStats stats() {
    return stats;
  }

  /** The port's ingress policing and storm control, with its drop counters. */
  public final PortPolicer policer() {
    return policer;
  }

  /**
   * Storm control, for {@link ForwardingPolicy} implementations: call it for a frame from this port
   * just before flooding it (broadcast, multicast, or an unlearned unicast destination), and drop
   * the frame when it answers false (the drop is counted by class). See {@link PortLimits}.
   */
  public final boolean admitFlood(ByteBuffer frame) {
    return policer.admitFlood(frame);
  }

  /**
   * {@link System#nanoTime()} of the last frame that entered the node through this port (or of its
   * attachment).
   */
  public final long lastInputNanos() {
    return lastInputNanos;
  }

  /**
   * Called by the port's reader after each frame it handed to the node: when the port's policer
   * refused that frame, parks the reader until the refusing bucket refills (at most {@link
   * PortPolicer#MAX_PAUSE_NANOS}), so a port over its limit is read at the limit's pace.
   */
  final void pauseIfOverLimit() {
    long nanos = policer.pauseNanos();
    if (nanos > 0) java.util.concurrent.locks.LockSupport.parkNanos(nanos);
  }

  final void markInput() {
    lastInputNanos = System.nanoTime();
  }

  /** A short kind name: {@code host}, {@code unix}, {@code plug}. */
  public abstract String kind();

  /**
   * Hands one frame (between position and limit) to this port without blocking; a full receiver
   * drops it (counted). A port the spanning tree blocks drops it too (counted in {@link
   * #blockedDrops()}). Must not move {@code frame}'s position or limit. Called with the engine's
   * forwarding lock held. While the node forwards a super-frame (offloads.md), a port whose plug
   * takes it gets it whole, every other port gets it cut into ordinary frames.
   */
  public final void deliver(ByteBuffer frame) {
    if (blocked) {
      blockedOut++;
      return;
    }
    Delivery d = delivery;
    if (d == null) transmit(frame);
    else d.deliver(this, frame);
  }

  /**
   * Sends one ordinary frame, possibly keeping it until {@link #flushLater} ({@link
   * io.kubevde.vdeplug.Plug#sendLater}); must not move {@code frame}'s position or limit.
   *
   * @return false when the port cannot keep frames (it did nothing; the default)
   */
  boolean transmitLater(ByteBuffer frame) {
    return false;
  }

  /** Sends the frames {@link #transmitLater} kept. The default does nothing. */
  void flushLater() {}

  /**
   * Sends a super-frame ({@link io.kubevde.vdeplug.OffloadPlug}) as it is when this port's plug
   * takes super-frames of {@code gso}'s kind; must not move {@code frame}'s position or limit.
   *
   * @return false when the port does not take it (the node then delivers it cut into ordinary
   *     frames); the default
   */
  boolean transmitSuper(ByteBuffer frame, io.kubevde.vdeplug.GsoInfo gso) {
    return false;
  }

  /** Sends one frame out of the port, whatever the spanning tree says (BPDUs, deliveries). */
  abstract void transmit(ByteBuffer frame);

  /**
   * Whether the spanning tree blocks this port (data frames neither enter nor leave it; BPDUs do).
   */
  public final boolean blocked() {
    return blocked;
  }

  final void setBlocked(boolean b) {
    blocked = b;
  }

  /**
   * Data frames dropped because the port was blocked: entering ({@code [0]}), leaving ({@code
   * [1]}).
   */
  public final long[] blockedDrops() {
    return new long[] {blockedIn, blockedOut};
  }

  final void countBlockedIn() {
    blockedIn++;
  }

  /** Stops the port (threads, sockets, files); idempotent. */
  abstract void shutdown();

  @Override
  public String toString() {
    return kind() + " port " + id + (description.isEmpty() ? "" : " (" + description + ")");
  }
}
