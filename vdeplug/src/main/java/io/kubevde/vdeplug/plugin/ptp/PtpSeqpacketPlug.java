package io.kubevde.vdeplug.plugin.ptp;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.FdWaiter;
import io.kubevde.vdeplug.unix.FilePermissions;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code ptp://PATH[seqpacket]}: vdeplug4 HEAD's point-to-point protocol (vde-protocols.md §4.1)
 * over one AF_UNIX SOCK_SEQPACKET connection. Open connects to PATH and waits up to 2000 ms for a
 * one-byte answer ({@code 0} = accepted, anything else is the listener's errno, e.g. 106 EISCONN
 * when it already has a peer); when nobody listens (ENOENT, or — fixing §12.12 — a stale socket
 * file, ECONNREFUSED) this end binds PATH and listens (backlog 1). The listener accepts one peer at
 * a time (answers {@code 0}); a further connection gets the byte 106 and is closed.
 *
 * <p>Data: one frame per message, sent with MSG_DONTWAIT (a full peer or no peer drops, counted).
 * When the peer hangs up, a listener waits for the next peer and a connecting end redoes the open
 * procedure (becoming the listener if the file has gone). Close unlinks PATH if this end is the
 * listener.
 *
 * <p>Life cycle: an {@link FdPlugLifecycle}: the receiver polls peer + listener + its eventfd (no
 * timeout); close wakes it, waits until it and any sender have left, then closes the sockets; sends
 * after close throw {@link io.kubevde.vdeplug.PlugClosedException} "ptp plug closed".
 */
public final class PtpSeqpacketPlug implements Plug {
  private static final Logger LOG = LoggerFactory.getLogger(PtpSeqpacketPlug.class);

  /** How long a connecting end waits for the listener's answer byte (ms). */
  public static final int ACK_TIMEOUT_MS = 2000;

  private final PtpOptions options;
  private final PlugStats stats = new PlugStats();
  private final Object lock = new Object();
  private final ByteBuffer ack = ByteBuffer.allocateDirect(1);
  private final FdPlugLifecycle life;
  private UnixSocket listener;
  private volatile UnixSocket peer;

  private PtpSeqpacketPlug(PtpOptions options) throws IOException {
    this.options = options;
    this.life = FdPlugLifecycle.withEventFd("ptp plug", Integer.MAX_VALUE);
  }

  /**
   * Opens an end.
   *
   * @throws IOException when the listener refuses us (it already has a peer: "Transport endpoint is
   *     already connected"), does not answer within {@link #ACK_TIMEOUT_MS}, or sockets cannot be
   *     created
   */
  public static PtpSeqpacketPlug open(PtpOptions o) throws IOException {
    PtpSeqpacketPlug p = new PtpSeqpacketPlug(o);
    try {
      p.establish();
    } catch (IOException | RuntimeException e) {
      p.close();
      throw e;
    }
    return p;
  }

  /** Whether this end is the listener (owns the socket file). */
  public boolean isListener() {
    synchronized (lock) {
      return listener != null;
    }
  }

  /** Whether a peer is connected right now (a listener without a peer waits for the next one). */
  public boolean hasPeer() {
    return peer != null;
  }

  private void establish() throws IOException {
    Path path = options.path();
    for (int attempt = 0; attempt < 20; attempt++) {
      UnixSocket s = UnixSocket.create(LibC.SOCK_SEQPACKET, false);
      int rc = s.tryConnect(path);
      if (rc == 0) {
        int answer = readAck(s);
        if (answer == 0) {
          peer = s;
          return;
        }
        s.close();
        throw UnixSocket.error("ptp: " + path + " refused us", null, answer);
      }
      s.close();
      if (rc == -io.kubevde.vdeplug.unix.Errno.ECONNREFUSED) {
        LOG.info("ptp: removing stale socket " + path);
        Files.deleteIfExists(path);
      } else if (rc != -io.kubevde.vdeplug.unix.Errno.ENOENT) {
        throw UnixSocket.error("ptp: connect", path, -rc);
      }
      UnixSocket l = UnixSocket.create(LibC.SOCK_SEQPACKET, true);
      int b = l.tryBind(path);
      if (b == -io.kubevde.vdeplug.unix.Errno.EADDRINUSE) {
        l.close();
        continue; // raced with another end: connect again
      }
      if (b < 0) {
        l.close();
        throw UnixSocket.error("ptp: bind", path, -b);
      }
      if (options.group().isPresent()) FilePermissions.chgrp(path, options.group().get());
      FilePermissions.chmod(path, options.mode());
      l.listen(1);
      synchronized (lock) {
        listener = l;
      }
      return;
    }
    throw new IOException("ptp: could not connect to or listen on " + path);
  }

  private static int readAck(UnixSocket s) throws IOException {
    ByteBuffer b = ByteBuffer.allocateDirect(1);
    try (FdWaiter w = new FdWaiter(s.fd())) {
      long deadline = System.nanoTime() + ACK_TIMEOUT_MS * 1_000_000L;
      while (true) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) return 110; // ETIMEDOUT
        if (w.await((int) left) == 0) continue;
        long n = s.tryReceive(b);
        if (n == 1) return b.get(0) & 0xff;
        if (n == 0) return 14; // EFAULT, as HEAD reports an EOF
        if (n != -LibC.EAGAIN && n != -LibC.EINTR) return (int) -n;
      }
    }
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int len = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    try {
      UnixSocket p = peer;
      if (p == null) {
        stats.dropped();
      } else {
        synchronized (lock) {
          long n = p.isClosed() ? -1 : p.trySend(frame);
          if (n < 0) stats.dropped();
          else stats.sent(len);
        }
      }
    } finally {
      life.leave();
    }
    frame.position(frame.limit());
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    if (!life.enterReceive()) return CLOSED;
    try {
      return receiveFrame(frame);
    } finally {
      life.leaveReceive();
    }
  }

  private int receiveFrame(ByteBuffer frame) throws IOException {
    while (true) {
      UnixSocket p = peer;
      UnixSocket l;
      synchronized (lock) {
        l = listener;
      }
      int pfd = p == null ? -1 : p.fd();
      int lfd = l == null ? -1 : l.fd();
      int mask = life.awaitReadable(pfd, lfd);
      if ((mask & FdPlugLifecycle.WOKEN) != 0) return CLOSED;
      if (l != null && (mask & 2) != 0) acceptOne(l);
      if (p != null && (mask & 1) != 0) {
        int start = frame.position();
        long n = p.tryReceive(frame);
        if (n == -LibC.EAGAIN || n == -LibC.EINTR) continue;
        if (n <= 0) {
          peerGone(p);
          continue;
        }
        if (n < MIN_FRAME) {
          frame.position(start);
          stats.dropped();
          return NO_FRAME;
        }
        stats.received((int) n);
        return (int) n;
      }
    }
  }

  private void acceptOne(UnixSocket l) {
    UnixSocket s = l.tryAccept();
    if (s == null) return;
    synchronized (lock) {
      ack.clear();
      if (peer != null) {
        ack.put(0, (byte) io.kubevde.vdeplug.unix.Errno.EISCONN).limit(1);
        s.trySend(ack);
        s.close();
      } else {
        ack.put(0, (byte) 0).limit(1);
        s.trySend(ack);
        peer = s;
      }
    }
  }

  private void peerGone(UnixSocket p) throws IOException {
    boolean reconnect;
    synchronized (lock) {
      if (peer == p) peer = null;
      p.close();
      reconnect = listener == null;
    }
    if (reconnect && !life.isClosed()) {
      try {
        establish();
      } catch (IOException e) {
        LOG.warn("ptp: reconnect to " + options.path() + " failed: " + e.getMessage());
        throw e;
      }
    }
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Wakes the receiver, waits until it and any sender have left, closes the sockets and unlinks
   * PATH if this end is the listener. Idempotent, any thread.
   */
  @Override
  public void close() throws IOException {
    life.close(
        () -> {
          synchronized (lock) {
            // unlink PATH before the peer can notice we left: the peer then re-binds PATH as the
            // new listener,
            // and an unlink after that would remove its socket (both ends listening, never
            // connected again)
            if (listener != null) Files.deleteIfExists(options.path());
            if (peer != null) peer.close();
            if (listener != null) listener.close();
          }
        });
  }

  @Override
  public String toString() {
    return "ptp seqpacket " + options.path();
  }
}
