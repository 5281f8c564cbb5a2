package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.offload.Segmenter;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A port backed by an in-process {@link Plug} (a tap, a vxvde uplink, a {@code vde://} client of
 * another switch): a reader thread pumps the plug's frames into the node; deliveries call {@link
 * Plug#send}. When the plug reports {@link Plug#CLOSED} or fails, the port leaves the node. Closing
 * the port closes the plug.
 *
 * <p>A plug opened with offloads ({@link OffloadPlug#offloadEnabled}: a tap with {@code
 * IFF_VNET_HDR}, vxvde with {@code offload}) is read with {@link OffloadPlug#receiveOffload} into a
 * buffer of {@link OffloadPlug#MAX_SUPER_FRAME} bytes: its super-frames enter the node whole
 * ({@link Netnode#input(NetnodePort, ByteBuffer, GsoInfo)}), an ordinary frame whose checksum the
 * kernel left to complete is completed here first (one that cannot be is dropped and counted
 * malformed); super-frames delivered to it go out with {@link OffloadPlug#sendOffload} (UDP ones
 * only when it {@linkplain OffloadPlug#takesUdpSuperFrames takes them}).
 *
 * <p>Batches (issue 14): after each blocking read the reader takes up to {@value #BATCH} - 1 more
 * frames that are ready at once ({@link Plug#receiveNow}); deliveries to plug ports during the
 * batch use {@link Plug#sendLater}, flushed when the batch ends, so a vxvde uplink sends a batch
 * with one {@code sendmmsg}. A policer that refuses a frame ends the batch (flushed, then the
 * reader is paused as {@link NetnodePort#pauseIfOverLimit} does).
 */
final class PlugPort extends NetnodePort {
  private static final Logger LOG = LoggerFactory.getLogger(PlugPort.class);

  /** Frames a reader takes per batch: one blocking read, then those ready at once. */
  static final int BATCH = 32;

  private final Plug plug;
  private final OffloadPlug offload;
  private final Netnode node;
  private final Thread reader;
  private volatile boolean stopping;
  private volatile boolean quiescing;
  private boolean started;

  PlugPort(int id, String description, PortLimits limits, Plug plug, Netnode node) {
    super(id, description, limits);
    this.plug = plug;
    this.offload = plug instanceof OffloadPlug o && o.offloadEnabled() ? o : null;
    this.node = node;
    this.reader = Thread.ofPlatform().daemon().name("netnode-port" + id).unstarted(this::pump);
  }

  /** Starts the reader (once; later calls and calls after shutdown or quiesce do nothing). */
  synchronized void start() {
    if (started || stopping || quiescing) return;
    started = true;
    reader.start();
  }

  @Override
  public String kind() {
    return "plug";
  }

  /** The plug's own counters (its drops are not the port's: see {@link Netnode.PortInfo}). */
  PlugStats plugStats() {
    return plug.stats();
  }

  private void pump() {
    GsoInfo info = offload != null ? new GsoInfo() : null;
    Segmenter checksums = offload != null ? new Segmenter() : null;
    ByteBuffer buf = PumpBuffers.take(offload != null);
    try {
      // until the plug says CLOSED: after a quiesce it first hands out what it already read
      boolean closed = false;
      while (!closed) {
        // one blocking read, then up to BATCH - 1 frames that are ready at once
        for (int k = 0; k < BATCH; k++) {
          buf.clear().position(OffloadPlug.HEADROOM);
          int n = read(buf, info, k == 0);
          if (n == Plug.AGAIN) break;
          if (n == Plug.CLOSED) {
            closed = true;
            break;
          }
          if (n < Plug.MIN_FRAME) continue;
          buf.limit(buf.position()).position(OffloadPlug.HEADROOM);
          if (enter(buf, info, checksums) && !admitMore()) break;
        }
        node.flushBatch();
      }
    } catch (IOException | RuntimeException e) {
      if (!stopping) LOG.warn(this + " failed: " + e.getMessage());
    } finally {
      node.flushBatch();
      PumpBuffers.give(buf);
    }
    if (!stopping && !quiescing) node.remove(this);
  }

  /** One frame from the plug (a super-frame into {@code info} when it has offloads on). */
  private int read(ByteBuffer buf, GsoInfo info, boolean wait) throws IOException {
    if (info == null) return wait ? plug.receive(buf) : plug.receiveNow(buf);
    return wait ? offload.receiveOffload(buf, info) : offload.receiveOffloadNow(buf, info);
  }

  /**
   * Hands the frame just read to the node: a super-frame whole; an ordinary frame of an offload
   * plug with its checksum completed first.
   *
   * @return false when it was dropped (longer than {@link Plug#MAX_FRAME} without GSO, or checksum
   *     offsets outside the frame: counted malformed)
   */
  private boolean enter(ByteBuffer buf, GsoInfo info, Segmenter checksums) {
    if (info != null && info.isGso()) {
      node.input(this, buf, info, true);
      return true;
    }
    int n = buf.remaining();
    if (info != null
        && (n > Plug.MAX_FRAME || !checksums.completeChecksum(buf, buf.position(), n, info))) {
      stats().malformed();
      return false;
    }
    node.input(this, buf, null, true);
    return true;
  }

  /**
   * After a frame of a batch: false when the port's policer refused it and wants the reader paused:
   * the batch is flushed, then the reader parks ({@link #pauseIfOverLimit}).
   */
  private boolean admitMore() {
    long nanos = policer().pauseNanos();
    if (nanos <= 0) return true;
    node.flushBatch();
    java.util.concurrent.locks.LockSupport.parkNanos(nanos);
    return false;
  }

  /**
   * Stops the reader without closing the plug ({@link Plug#shutdownReceive}; a plug that cannot is
   * closed instead): the frame the reader holds is still forwarded, then it ends; the port stays in
   * the node and deliveries to it go on. {@link #awaitQuiesced} waits for the reader.
   */
  void quiesce() {
    quiescing = true;
    if (plug.shutdownReceive()) return;
    try {
      plug.close();
    } catch (IOException e) {
      LOG.debug("close " + this, e);
    }
  }

  /**
   * Waits until the reader has ended after {@link #quiesce}, at most {@code millis}.
   *
   * @return true when it has (or never ran)
   */
  boolean awaitQuiesced(long millis) {
    synchronized (this) {
      if (!started) return true;
    }
    if (Thread.currentThread() == reader) return true;
    try {
      reader.join(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return !reader.isAlive();
  }

  @Override
  void transmit(ByteBuffer frame) {
    int pos = frame.position();
    int len = frame.remaining();
    try {
      plug.send(frame);
      stats().sent(len);
    } catch (IOException | RuntimeException e) {
      stats().dropped();
    } finally {
      frame.position(pos);
    }
  }

  @Override
  boolean transmitLater(ByteBuffer frame) {
    int pos = frame.position();
    int len = frame.remaining();
    try {
      plug.sendLater(frame);
      stats().sent(len);
    } catch (IOException | RuntimeException e) {
      stats().dropped();
    } finally {
      frame.position(pos);
    }
    return true;
  }

  @Override
  void flushLater() {
    try {
      plug.flush();
    } catch (IOException | RuntimeException e) {
      stats().dropped();
    }
  }

  @Override
  boolean transmitSuper(ByteBuffer frame, GsoInfo gso) {
    OffloadPlug o = offload;
    if (o == null) return false;
    if ((gso.gsoType & ~GsoInfo.GSO_ECN) == GsoInfo.GSO_UDP_L4 && !o.takesUdpSuperFrames())
      return false;
    int pos = frame.position();
    int lim = frame.limit();
    int len = frame.remaining();
    try {
      o.sendOffload(frame, gso);
      stats().sent(len);
    } catch (IOException | RuntimeException e) {
      stats().dropped();
    } finally {
      frame.limit(lim).position(pos);
    }
    return true;
  }

  @Override
  void shutdown() {
    synchronized (this) {
      stopping = true;
    }
    try {
      plug.close();
    } catch (IOException e) {
      LOG.debug("close " + this, e);
    }
    if (Thread.currentThread() != reader) {
      try {
        reader.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
