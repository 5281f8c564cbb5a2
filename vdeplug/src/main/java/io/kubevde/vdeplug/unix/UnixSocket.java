package io.kubevde.vdeplug.unix;

import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One AF_UNIX socket (SOCK_DGRAM, SOCK_STREAM or SOCK_SEQPACKET) bound or connected by filesystem
 * path, held as a raw fd through {@link LibC}: the JDK has no AF_UNIX datagram sockets and
 * jnr-unixsocket's datagram {@code connect()} does not call connect(2) (platform-notes.md). Calls
 * return the libc result; failures become {@link IOException}s naming the call, the path and
 * strerror, except for the "try" methods used on the hot path, which return {@code -errno} and
 * never allocate.
 *
 * <p>Not thread-safe for {@link #close} against concurrent I/O: owners guard close with their own
 * lock (see {@link FdWaiter}).
 */
public final class UnixSocket implements AutoCloseable {
  private static final LibC C = LibC.INSTANCE;
  private final int fd;
  private volatile boolean closed;

  private UnixSocket(int fd) {
    this.fd = fd;
  }

  /** Send buffer asked for datagram sockets, bytes: {@value} (≈ 5000 small frames in flight). */
  public static final int DGRAM_SNDBUF = 4 << 20;

  private static final int SOL_SOCKET = 1;
  private static final int SO_SNDBUF = 7;
  private static final int SO_PEERCRED = 17;
  private static final int SO_SNDBUFFORCE = 32;

  /**
   * A new close-on-exec socket of {@code type} ({@link LibC#SOCK_DGRAM}, ...), optionally
   * non-blocking. A datagram socket gets a {@link #DGRAM_SNDBUF} send buffer ({@code
   * SO_SNDBUFFORCE} when privileged, else {@code SO_SNDBUF}, which the kernel caps at {@code
   * net.core.wmem_max}): an AF_UNIX datagram in flight is charged to its sender until the receiver
   * reads it, so with the default 208 KiB a receiver stalled for ~30 ms at 10k small frames/s makes
   * our non-blocking sends drop; the receiver's {@code net.unix.max_dgram_qlen} still bounds the
   * queue.
   */
  public static UnixSocket create(int type, boolean nonBlocking) throws IOException {
    int fd =
        C.socket(
            LibC.AF_UNIX, type | LibC.SOCK_CLOEXEC | (nonBlocking ? LibC.SOCK_NONBLOCK : 0), 0);
    if (fd < 0) throw error("socket(AF_UNIX)", null, LibC.errno());
    if (type == LibC.SOCK_DGRAM) {
      int[] size = {DGRAM_SNDBUF};
      if (C.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, size, 4) < 0)
        C.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, size, 4);
    }
    return new UnixSocket(fd);
  }

  /** Wraps an fd returned by accept. */
  public static UnixSocket ofFd(int fd) {
    return new UnixSocket(fd);
  }

  /** The raw fd, for poll. */
  public int fd() {
    return fd;
  }

  /** bind(2) to {@code path}; throws with errno on failure. */
  public void bind(Path path) throws IOException {
    int rc = C.bind(fd, new SockaddrUn(path.toString()).toBytes(), SockaddrUn.SIZE);
    if (rc < 0) throw error("bind", path, LibC.errno());
  }

  /** bind(2) to {@code path}; returns 0 or {@code -errno}. */
  public int tryBind(Path path) {
    return C.bind(fd, new SockaddrUn(path.toString()).toBytes(), SockaddrUn.SIZE) < 0
        ? -LibC.errno()
        : 0;
  }

  /**
   * The process id of the peer of this connected stream socket, as the kernel recorded it at
   * connect time ({@code SO_PEERCRED}, unix(7)), in this process's pid namespace.
   *
   * @return the pid, 0 when the peer's process is not visible from this pid namespace, or -1 when
   *     the kernel does not say (not a connected unix socket)
   */
  public long peerPid() {
    java.nio.ByteBuffer cred =
        java.nio.ByteBuffer.allocateDirect(12).order(java.nio.ByteOrder.nativeOrder());
    int[] len = {12};
    if (C.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, len) < 0 || len[0] < 4) return -1;
    return cred.getInt(0);
  }

  /** connect(2) to {@code path}; throws with errno on failure. */
  public void connect(Path path) throws IOException {
    int rc = tryConnect(path);
    if (rc < 0) throw error("connect", path, -rc);
  }

  /** connect(2) to {@code path}; returns 0 or {@code -errno}. */
  public int tryConnect(Path path) {
    return C.connect(fd, new SockaddrUn(path.toString()).toBytes(), SockaddrUn.SIZE) < 0
        ? -LibC.errno()
        : 0;
  }

  /** Dissolves a datagram association (connect with AF_UNSPEC); returns 0 or {@code -errno}. */
  public int disconnect() {
    byte[] unspec = new byte[SockaddrUn.SIZE];
    return C.connect(fd, unspec, 2) < 0 ? -LibC.errno() : 0;
  }

  /** listen(2). */
  public void listen(int backlog) throws IOException {
    if (C.listen(fd, backlog) < 0) throw error("listen", null, LibC.errno());
  }

  /**
   * accept4(2) of one connection (non-blocking, close-on-exec); returns the socket or null with
   * errno in rc.
   */
  public UnixSocket tryAccept() {
    int n = C.accept4(fd, null, null, LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK);
    return n < 0 ? null : new UnixSocket(n);
  }

  /**
   * Sends the bytes between {@code buf}'s position and limit as one datagram/record with
   * MSG_DONTWAIT (a direct buffer; the position is not moved). Returns the bytes sent or {@code
   * -errno} (e.g. {@code -EAGAIN} when the receiver is full).
   */
  public long trySend(ByteBuffer buf) {
    long n = C.send(fd, buf, buf.remaining(), LibC.MSG_DONTWAIT);
    return n < 0 ? -LibC.errno() : n;
  }

  /**
   * Sends one datagram to {@code addr} (a {@link SockaddrUn#toBytes()} array, computed once by the
   * caller) with MSG_DONTWAIT, on an unconnected socket; the position is not moved. Returns the
   * bytes sent or {@code -errno}.
   */
  public long trySendTo(ByteBuffer buf, byte[] addr) {
    long n = C.sendto(fd, buf, buf.remaining(), LibC.MSG_DONTWAIT, addr, addr.length);
    return n < 0 ? -LibC.errno() : n;
  }

  /**
   * Blocking send of all bytes of {@code buf} (stream sockets; one call for a datagram); throws on
   * failure.
   */
  public void sendAll(ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      long n = C.send(fd, buf.slice(), buf.remaining(), 0);
      if (n < 0) {
        int e = LibC.errno();
        if (e == LibC.EINTR) continue;
        throw error("send", null, e);
      }
      buf.position(buf.position() + (int) n);
    }
  }

  /**
   * Receives one datagram (or stream bytes) with MSG_DONTWAIT into {@code buf} at its position (a
   * direct buffer), at most {@code buf.remaining()} bytes; the position is advanced. Returns the
   * length, 0 for EOF/empty datagram, or {@code -errno} ({@code -EAGAIN} when nothing is queued).
   */
  public long tryReceive(ByteBuffer buf) {
    long n = C.recv(fd, buf, buf.remaining(), LibC.MSG_DONTWAIT);
    if (n < 0) return -LibC.errno();
    buf.position(buf.position() + (int) n);
    return n;
  }

  /** Whether {@link #close} was called. */
  public boolean isClosed() {
    return closed;
  }

  /** Closes the fd; idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    C.close(fd);
  }

  /** An IOException {@code "<call> <path>: <strerror> (errno N)"}. */
  public static IOException error(String call, Path path, int errno) {
    return new UnixSocketException(
        call + (path == null ? "" : " " + path) + ": " + LibC.message(errno), errno);
  }

  /** An IOException carrying the errno of the failed call. */
  public static final class UnixSocketException extends IOException {
    private final int errno;

    UnixSocketException(String message, int errno) {
      super(message + " (errno " + errno + ")");
      this.errno = errno;
    }

    /** The errno of the failed call. */
    public int errno() {
      return errno;
    }
  }
}
