package io.kubevde.agent.netlink;

import io.kubevde.vdeplug.ffi.LibC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@code AF_NETLINK}/{@code NETLINK_ROUTE} socket (rtnetlink(7), netlink(7)) through the shared
 * jnr-ffi libc binding ({@link LibC}). The socket belongs to the network namespace of the thread
 * that opened it, for its whole life (after setns(2) on that thread, it talks to the pod's
 * namespace from any thread). Extended acks are on, so refusals carry the kernel's reason; receives
 * time out after {@value #TIMEOUT_MS} ms (EAGAIN). Not thread-safe: one request at a time.
 */
public final class NetlinkSocket implements AutoCloseable {
  /** How long one receive may wait for the kernel (ms). */
  public static final int TIMEOUT_MS = 10_000;

  private static final LibC C = LibC.INSTANCE;
  private static final int SO_RCVTIMEO = 20;
  private static final int RECV_SIZE = 64 * 1024;

  private final int fd;
  private final ByteBuffer rx = ByteBuffer.allocateDirect(RECV_SIZE).order(ByteOrder.nativeOrder());
  private int seq = (int) (System.nanoTime() & 0x7fffffff);
  private boolean closed;

  private NetlinkSocket(int fd) {
    this.fd = fd;
  }

  /**
   * Opens a socket in the calling thread's network namespace.
   *
   * @throws NetlinkException when socket(2) fails
   */
  public static NetlinkSocket open() throws NetlinkException {
    int fd = C.socket(Rtnl.AF_NETLINK, Rtnl.SOCK_RAW | LibC.SOCK_CLOEXEC, Rtnl.NETLINK_ROUTE);
    if (fd < 0) throw sysError("open netlink socket", "", LibC.errno());
    try {
      setInt(fd, Rtnl.SOL_NETLINK, Rtnl.NETLINK_EXT_ACK, 1); // optional: older kernels lack it
      setInt(fd, Rtnl.SOL_NETLINK, Rtnl.NETLINK_CAP_ACK, 1);
      ByteBuffer tv = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
      tv.putLong(0, TIMEOUT_MS / 1000).putLong(8, (TIMEOUT_MS % 1000) * 1000L);
      if (C.setsockopt(fd, LibC.SOL_SOCKET, SO_RCVTIMEO, tv, 16) < 0)
        throw sysError("set netlink receive timeout", "", LibC.errno());
      return new NetlinkSocket(fd);
    } catch (NetlinkException e) {
      C.close(fd);
      throw e;
    }
  }

  private static void setInt(int fd, int level, int opt, int v) {
    C.setsockopt(fd, level, opt, new int[] {v}, 4);
  }

  /**
   * Sends {@code req} with {@link Rtnl#NLM_F_ACK} and waits for the kernel's ack.
   *
   * @param op the operation, for the error message ({@code "set MAC 02:…"})
   * @param ifName the interface, for the error message
   * @return the answers that came before the ack (e.g. the link of an {@code RTM_GETLINK})
   * @throws NetlinkException naming {@code op}, {@code ifName} and the errno when the kernel
   *     refuses, or when sending or receiving fails
   */
  public List<NlMessage> request(NlRequest req, String op, String ifName) throws NetlinkException {
    int s = send(req, Rtnl.NLM_F_ACK, op, ifName);
    List<NlMessage> got = new ArrayList<>();
    while (true) {
      for (NlMessage m : receive(op, ifName)) {
        if (m.header().seq() != s) continue;
        if (m.header().type() == Rtnl.NLMSG_ERROR) {
          if (m.errno() != 0) throw refused(op, ifName, m);
          return got;
        }
        got.add(m);
      }
    }
  }

  /**
   * Sends a dump request ({@link Rtnl#NLM_F_DUMP}) and collects the answers up to {@link
   * Rtnl#NLMSG_DONE}.
   *
   * @throws NetlinkException as {@link #request}
   */
  public List<NlMessage> dump(NlRequest req, String op) throws NetlinkException {
    int s = send(req, Rtnl.NLM_F_DUMP, op, "");
    List<NlMessage> got = new ArrayList<>();
    while (true) {
      for (NlMessage m : receive(op, "")) {
        if (m.header().seq() != s) continue;
        int t = m.header().type();
        if (t == Rtnl.NLMSG_DONE) {
          if (m.errno() > 0) throw refused(op, "", m);
          return got;
        }
        if (t == Rtnl.NLMSG_ERROR) {
          if (m.errno() != 0) throw refused(op, "", m);
          continue;
        }
        got.add(m);
      }
    }
  }

  private int send(NlRequest req, int extraFlags, String op, String ifName)
      throws NetlinkException {
    if (closed) throw new IllegalStateException("netlink socket closed");
    int s = ++seq;
    ByteBuffer msg = req.encode(s, extraFlags);
    long n = C.send(fd, msg, msg.remaining(), 0);
    if (n < 0) throw sysError(op + ": send", ifName, LibC.errno());
    if (n != msg.remaining())
      throw new NetlinkException(op + ": short send " + n, ifName, Errno.EAGAIN, null);
    return s;
  }

  private List<NlMessage> receive(String op, String ifName) throws NetlinkException {
    rx.clear();
    long n = C.recv(fd, rx, rx.capacity(), 0);
    if (n < 0) {
      int err = LibC.errno();
      if (err == Errno.EAGAIN)
        throw new NetlinkException(
            op + ": no answer from the kernel within " + TIMEOUT_MS + " ms", ifName, err, null);
      throw sysError(op + ": receive", ifName, err);
    }
    // a copy: the messages outlive the next receive into rx (a link answer, then its ack)
    ByteBuffer copy = ByteBuffer.allocate((int) n).order(ByteOrder.nativeOrder());
    copy.put(0, rx, 0, (int) n);
    try {
      return NlMessage.split(copy);
    } catch (IllegalArgumentException e) {
      throw new NetlinkException(
          op + ": malformed answer: " + e.getMessage(), ifName, Errno.EBADMSG, null);
    }
  }

  private static NetlinkException refused(String op, String ifName, NlMessage m) {
    String detail = LibC.message(m.errno());
    String ext = m.extAck();
    if (ext != null && !ext.isEmpty()) detail = detail + "; " + ext;
    return new NetlinkException(op, ifName, m.errno(), detail);
  }

  private static NetlinkException sysError(String op, String ifName, int errno) {
    return new NetlinkException(op, ifName, errno, LibC.message(errno));
  }

  /** Closes the socket; idempotent. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    C.close(fd);
  }
}
