package io.kubevde.vdeplug.plugin.ptp;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.FilePermissions;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * {@code ptp://PATH} as Debian's vdeplug4 4.0.1 (vde-protocols.md §4.1): two AF_UNIX SOCK_DGRAM
 * sockets. The first end binds {@code PATH} and talks to {@code PATH+}; the second end (PATH is
 * live) binds {@code PATH+} and talks to {@code PATH}. A socket file nobody listens on
 * (ECONNREFUSED) is stale and replaced. Frames sent before the peer exists are dropped (counted).
 *
 * <p>Unlike 4.0.1: our socket is never connected; every frame is a {@code sendto(peer path)} with
 * MSG_DONTWAIT. So a full peer drops the frame instead of blocking (the deadlock of §12.12), and a
 * peer that restarts (new socket, same path) is reached at once and can itself connect to us (a
 * datagram socket connected to a dead peer refuses connections from a new one, which is how two
 * 4.0.1 ends lose each other). A zero-length datagram from the peer (4.0.1's "disconnect" signal)
 * is consumed as a no-frame event. On close we send one zero-length datagram (so a C peer
 * disconnects from us) and unlink our path. Sent frames shorter than 14 bytes are dropped
 * (counted), with no upper bound (as 4.0.1).
 *
 * <p>Life cycle: an {@link FdPlugLifecycle} (receive polls the socket + its eventfd; close wakes
 * the receiver and waits until it and any sender have left before the goodbye datagram and the
 * close; sends after close throw {@link io.kubevde.vdeplug.PlugClosedException} "ptp plug closed").
 */
public final class PtpDatagramPlug implements Plug {
  private final UnixSocket sock;
  private final Path own;
  private final Path peer;
  private final byte[] peerAddr;
  private final FdPlugLifecycle life;
  private final PlugStats stats = new PlugStats();
  private final ByteBuffer empty = ByteBuffer.allocateDirect(1).limit(0);

  private PtpDatagramPlug(UnixSocket sock, Path own, Path peer) throws IOException {
    this.sock = sock;
    this.own = own;
    this.peer = peer;
    this.peerAddr = new io.kubevde.vdeplug.unix.SockaddrUn(peer.toString()).toBytes();
    this.life = FdPlugLifecycle.withEventFd("ptp plug", Integer.MAX_VALUE);
  }

  /** Our socket path ({@code PATH} for the first end, {@code PATH+} for the second). */
  public Path ownPath() {
    return own;
  }

  /**
   * Opens the first or second end.
   *
   * @throws IOException when both {@code PATH} and {@code PATH+} are live (a third end), a path is
   *     not a socket, or a socket cannot be created, bound or chmod'ed
   */
  public static PtpDatagramPlug open(PtpOptions o) throws IOException {
    Path first = o.path();
    Path second = Path.of(first + "+");
    UnixSocket s = UnixSocket.create(LibC.SOCK_DGRAM, false);
    try {
      Path own;
      Path peer;
      if (!live(first)) {
        own = first;
        peer = second;
      } else {
        if (live(second))
          throw new IOException(
              "ptp: " + first + " already has both ends (" + second + " is live)");
        own = second;
        peer = first;
      }
      s.bind(own);
      if (o.group().isPresent()) FilePermissions.chgrp(own, o.group().get());
      FilePermissions.chmod(own, o.mode());
      return new PtpDatagramPlug(s, own, peer);
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /**
   * Whether {@code p} is a socket someone is bound to; removes it when stale; throws when it is not
   * a socket.
   */
  private static boolean live(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) return false;
    BasicFileAttributes a =
        Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!a.isOther()) throw new IOException("ptp: " + p + " exists and is not a socket");
    try (UnixSocket probe = UnixSocket.create(LibC.SOCK_DGRAM, false)) {
      int rc = probe.tryConnect(p);
      if (rc == 0) return true;
      if (rc == -io.kubevde.vdeplug.unix.Errno.ECONNREFUSED) {
        Files.deleteIfExists(p);
        return false;
      }
      throw UnixSocket.error("ptp: probe", p, -rc);
    }
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int len = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    try {
      long n = sock.trySendTo(frame, peerAddr);
      if (n < 0) stats.dropped();
      else stats.sent(len);
    } finally {
      life.leave();
    }
    frame.position(frame.limit());
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    if (!life.enterReceive()) return CLOSED;
    try {
      while (true) {
        int mask = life.awaitReadable(sock.fd());
        if ((mask & FdPlugLifecycle.WOKEN) != 0) return CLOSED;
        if ((mask & 1) == 0) continue;
        int start = frame.position();
        long n = sock.tryReceive(frame);
        if (n == -LibC.EAGAIN || n == -LibC.EINTR) continue;
        if (n == 0) return NO_FRAME;
        if (n < 0) {
          stats.malformed();
          return NO_FRAME;
        }
        if (n < MIN_FRAME) {
          frame.position(start);
          stats.dropped();
          return NO_FRAME;
        }
        stats.received((int) n);
        return (int) n;
      }
    } finally {
      life.leaveReceive();
    }
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Wakes the receiver, waits until it and any sender have left, sends the zero-length goodbye,
   * closes the socket and unlinks our path. Idempotent, any thread.
   */
  @Override
  public void close() throws IOException {
    life.close(
        () -> {
          try {
            sock.trySendTo(empty, peerAddr);
            sock.close();
          } finally {
            Files.deleteIfExists(own);
          }
        });
  }

  @Override
  public String toString() {
    return "ptp " + own + " -> " + peer;
  }
}
