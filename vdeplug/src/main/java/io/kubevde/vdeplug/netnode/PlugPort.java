package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.Plug;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A port backed by an in-process {@link Plug} (a tap, a vxvde uplink, a {@code vde://} client of
 * another switch): a reader thread pumps the plug's frames into the node; deliveries call {@link
 * Plug#send}. When the plug reports {@link Plug#CLOSED} or fails, the port leaves the node. Closing
 * the port closes the plug.
 */
final class PlugPort extends NetnodePort {
  private static final Logger LOG = LoggerFactory.getLogger(PlugPort.class);
  private final Plug plug;
  private final Netnode node;
  private final Thread reader;
  private volatile boolean stopping;
  private volatile boolean quiescing;
  private boolean started;

  PlugPort(int id, String description, PortLimits limits, Plug plug, Netnode node) {
    super(id, description, limits);
    this.plug = plug;
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

  private void pump() {
    ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 2);
    try {
      // until the plug says CLOSED: after a quiesce it first hands out what it already read
      while (true) {
        buf.clear();
        int n = plug.receive(buf);
        if (n == Plug.CLOSED) break;
        if (n < Plug.MIN_FRAME) continue;
        buf.flip();
        node.input(this, buf);
        pauseIfOverLimit();
      }
    } catch (IOException | RuntimeException e) {
      if (!stopping) LOG.warn(this + " failed: " + e.getMessage());
    }
    if (!stopping && !quiescing) node.remove(this);
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
