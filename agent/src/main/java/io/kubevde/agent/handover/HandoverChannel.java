package io.kubevde.agent.handover;

import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.ScmRights;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One end of a hand-over connection: a connected {@code SOCK_SEQPACKET} AF_UNIX socket carrying
 * {@link HandoverMessage} records, fds as {@code SCM_RIGHTS}. Not thread-safe.
 */
final class HandoverChannel implements AutoCloseable {
  /** Largest record, bytes (a STATE with a few thousand taps). */
  static final int MAX_RECORD = 1 << 20;

  private final UnixSocket socket;
  private final ScmRights io = new ScmRights(MAX_RECORD);
  private final ByteBuffer pollFd = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());

  HandoverChannel(UnixSocket socket) {
    this.socket = socket;
  }

  /** A received record and its fds (owned by the caller). */
  record Received(HandoverMessage message, int[] fds) {}

  void send(HandoverMessage m) throws IOException {
    send(m, new int[0]);
  }

  void send(HandoverMessage m, int[] fds) throws IOException {
    io.send(socket.fd(), HandoverMessage.encode(m), fds);
  }

  /**
   * The next record, waiting at most {@code timeoutMs}.
   *
   * @throws SocketTimeoutException when none came in time
   * @throws IOException when the peer closed, or the record is malformed (its fds are closed)
   */
  Received receive(long timeoutMs) throws IOException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000L;
      if (left <= 0)
        throw new SocketTimeoutException("hand-over: no answer in " + timeoutMs + " ms");
      pollFd.putInt(0, socket.fd()).putShort(4, LibC.POLLIN).putShort(6, (short) 0);
      int n = LibC.INSTANCE.poll(pollFd, 1, (int) Math.min(left, Integer.MAX_VALUE));
      if (n < 0 && LibC.errno() != LibC.EINTR) throw UnixSocket.error("poll", null, LibC.errno());
      if (n > 0) break;
    }
    ScmRights.Message raw = io.receive(socket.fd());
    if (raw == null) throw new IOException("hand-over: the other agent closed the connection");
    try {
      return new Received(HandoverMessage.decode(raw.payload()), raw.fds());
    } catch (IOException e) {
      for (int fd : raw.fds()) LibC.INSTANCE.close(fd);
      throw e;
    }
  }

  @Override
  public void close() {
    socket.close();
  }
}
