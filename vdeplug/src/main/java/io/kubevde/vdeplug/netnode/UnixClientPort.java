package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.FdWaiter;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A port of a {@code vde://} client (C {@code vde_plug}, qemu, or our own {@link
 * io.kubevde.vdeplug.plugin.vde.VdeClientPlug}) attached through the rendezvous (vde-protocols.md
 * §3.5, §6.1): a non-blocking SOCK_DGRAM socket bound to {@code DIR/fd<n>} and connected to the
 * client's socket, plus the client's ctl connection (its EOF removes the port, which the rendezvous
 * watches). A reader thread pumps datagrams into the node; deliveries use MSG_DONTWAIT, so a full
 * client drops (counted), never blocks the node.
 */
final class UnixClientPort extends NetnodePort {
  private static final Logger LOG = LoggerFactory.getLogger(UnixClientPort.class);
  private final UnixSocket ctl;
  private final UnixSocket data;
  private final Path dataPath;
  private final ClientIdentity identity;
  private final long peerPid;
  private final Netnode node;
  private final FdWaiter waiter;
  private final Thread reader;
  private volatile boolean stopping;

  UnixClientPort(
      int id,
      String description,
      ClientIdentity identity,
      PortLimits limits,
      UnixSocket ctl,
      UnixSocket data,
      Path dataPath,
      Netnode node) {
    super(id, description, limits);
    this.identity = identity;
    this.peerPid = ctl.peerPid();
    this.ctl = ctl;
    this.data = data;
    this.dataPath = dataPath;
    this.node = node;
    this.waiter = new FdWaiter(data.fd());
    this.reader = Thread.ofPlatform().daemon().name("netnode-fd" + ctl.fd()).unstarted(this::pump);
  }

  /**
   * The pid of the process that connected this client ({@code SO_PEERCRED} of its control
   * connection, in this process's pid namespace; 0 = not visible from here, -1 = unknown).
   */
  long peerPid() {
    return peerPid;
  }

  void start() {
    reader.start();
  }

  /** The client's ctl connection (the rendezvous polls it for EOF). */
  UnixSocket ctl() {
    return ctl;
  }

  /** {@code DIR/fd<n>}. */
  Path dataPath() {
    return dataPath;
  }

  @Override
  public ClientIdentity identity() {
    return identity;
  }

  @Override
  public String kind() {
    return "unix";
  }

  private void pump() {
    ByteBuffer buf = PumpBuffers.take(false);
    try {
      pump(buf);
    } finally {
      PumpBuffers.give(buf);
    }
  }

  private void pump(ByteBuffer buf) {
    int head = io.kubevde.vdeplug.OffloadPlug.HEADROOM;
    while (!stopping) {
      int mask = waiter.await(-1);
      if ((mask & FdWaiter.WOKEN) != 0) break;
      if ((mask & 1) == 0) continue;
      while (true) {
        buf.clear().position(head);
        long n = data.tryReceive(buf);
        if (n == -LibC.EAGAIN || n == -LibC.EINTR) break;
        if (n < 0) {
          stats().malformed();
          break;
        }
        if (n < Plug.MIN_FRAME) {
          stats().dropped();
          continue;
        }
        buf.limit(buf.position()).position(head);
        node.input(this, buf);
        pauseIfOverLimit();
      }
    }
  }

  @Override
  void transmit(ByteBuffer frame) {
    long n = data.trySend(frame);
    if (n < 0) stats().dropped();
    else stats().sent(frame.remaining());
  }

  @Override
  void shutdown() {
    if (stopping) return;
    stopping = true;
    waiter.wake();
    if (Thread.currentThread() != reader) {
      try {
        reader.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    data.close();
    ctl.close();
    waiter.close();
    try {
      Files.deleteIfExists(dataPath);
    } catch (IOException e) {
      LOG.debug("unlink " + dataPath, e);
    }
  }
}
