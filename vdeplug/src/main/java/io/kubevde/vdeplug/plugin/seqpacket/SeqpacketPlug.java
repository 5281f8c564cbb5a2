package io.kubevde.vdeplug.plugin.seqpacket;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code seqpacket://FD} (vde-protocols.md §8): one frame per message on an already open, inherited
 * socket (typically one end of {@code socketpair(AF_UNIX, SOCK_SEQPACKET)}), through libc {@code
 * poll}/{@code recv}/{@code send}. Frames shorter than 14 bytes (so also zero-length ones) are
 * never sent; received messages shorter than 14 bytes are counted as dropped. A read of 0 bytes or
 * POLLHUP/POLLERR means the peer is gone: {@link #receive} returns {@link #CLOSED}. Sends block
 * while the peer's buffer is full (like vdeplug4; internally a non-blocking send and a poll for
 * POLLOUT, so that close also wakes a blocked sender). Life cycle: an {@link FdPlugLifecycle}
 * ({@link #close} wakes a blocked receiver or sender through its eventfd, waits until they have
 * left, then closes the fd; sends after close throw {@link io.kubevde.vdeplug.PlugClosedException}
 * "seqpacket plug closed").
 */
public final class SeqpacketPlug implements Plug {
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int F_GETFD = 1;
  private static final LibC C = LibC.INSTANCE;

  private final int fd;
  private final FdPlugLifecycle life;
  private final PlugStats stats = new PlugStats();
  private final ByteBuffer rbuf = ByteBuffer.allocateDirect(65536);
  private final ByteBuffer sbuf = ByteBuffer.allocateDirect(MAX_FRAME);
  private final Object sendLock = new Object();

  /**
   * Adopts {@code fd}; the plug owns it from now on and closes it on {@link #close}.
   *
   * @throws IOException when {@code fd} is not open in this process
   */
  public SeqpacketPlug(int fd) throws IOException {
    if (fd < 0 || C.fcntl(fd, F_GETFD, 0) < 0) {
      throw new IOException(
          "seqpacket: fd "
              + fd
              + " is not open in this process"
              + (fd < 0 ? "" : " (" + LibC.message(LibC.errno()) + ")"));
    }
    this.fd = fd;
    this.life = FdPlugLifecycle.withEventFd("seqpacket plug", MAX_FRAME);
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    try {
      synchronized (sendLock) {
        sbuf.clear();
        sbuf.put(frame).flip();
        while (true) {
          long r = C.send(fd, sbuf, n, MSG_NOSIGNAL | LibC.MSG_DONTWAIT);
          if (r == n) {
            stats.sent(n);
            return;
          }
          int err = LibC.errno();
          if (r < 0 && err == LibC.EINTR) continue;
          if (r < 0 && err == LibC.EAGAIN) {
            // the peer's buffer is full: block like a blocking send, but wake on close
            if (!life.awaitWritable(fd)) throw life.closedException();
            continue;
          }
          if (r < 0 && err == 105 /* ENOBUFS */) {
            stats.dropped();
            return;
          }
          throw new IOException(
              "seqpacket: send on fd " + fd + ": " + (r < 0 ? LibC.message(err) : "short send"));
        }
      }
    } finally {
      life.leave();
    }
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
      int mask = life.awaitReadable(fd);
      if ((mask & FdPlugLifecycle.WOKEN) != 0) return CLOSED;
      if (mask == 0) continue;
      short rev = life.revents(0);
      if ((rev & LibC.POLLNVAL) != 0) return CLOSED;
      if ((rev & LibC.POLLIN) == 0 && (rev & (LibC.POLLHUP | LibC.POLLERR)) != 0) return CLOSED;
      if ((rev & LibC.POLLIN) == 0) continue;
      rbuf.clear();
      long n = C.recv(fd, rbuf, rbuf.capacity(), LibC.MSG_DONTWAIT);
      if (n == 0) return CLOSED;
      if (n < 0) {
        int err = LibC.errno();
        if (err == LibC.EINTR || err == LibC.EAGAIN) continue;
        if (err == 104 /* ECONNRESET */) return CLOSED;
        throw new IOException("seqpacket: recv on fd " + fd + ": " + LibC.message(err));
      }
      if (n < MIN_FRAME) {
        stats.dropped();
        return NO_FRAME;
      }
      if (n > MAX_FRAME || frame.remaining() < n) {
        stats.malformed();
        return NO_FRAME;
      }
      rbuf.position(0).limit((int) n);
      frame.put(rbuf);
      stats.received((int) n);
      return (int) n;
    }
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Wakes a blocked receiver or sender, waits until they have left, closes the fd. Idempotent, any
   * thread.
   */
  @Override
  public void close() throws IOException {
    life.close(() -> C.close(fd));
  }
}
