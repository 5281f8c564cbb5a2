package io.kubevde.vdeplug.unix;

import com.kenai.jffi.MemoryIO;
import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Passing open file descriptors between processes over a connected AF_UNIX socket ({@code
 * SCM_RIGHTS} ancillary data, unix(7), cmsg(3)), one message at a time: {@link #send} writes one
 * record (datagram/seqpacket) with up to {@link #MAX_FDS} fds, {@link #receive} reads one. The
 * receiver gets new fd numbers referring to the same open file descriptions (a tap queue, a UDP
 * socket with its bindings and group memberships), close-on-exec; the sender may close its own
 * numbers right after.
 *
 * <p>Layouts (x86-64 and arm64, LP64): {@code struct msghdr} 56 bytes (name 0, namelen 8, iov 16,
 * iovlen 24, control 32, controllen 40, flags 48), {@code struct iovec} 16, {@code struct cmsghdr}
 * 16 (len 0 as size_t, level 8, type 12) followed by the ints. Blocking I/O; not thread-safe (one
 * instance per socket and direction).
 */
public final class ScmRights {
  /** Most fds in one message ({@code SCM_MAX_FD} is 253 in the kernel). */
  public static final int MAX_FDS = 250;

  private static final LibC C = LibC.INSTANCE;
  private static final int MSGHDR = 56;
  private static final int CMSGHDR = 16;
  private static final int CONTROL = CMSGHDR + MAX_FDS * 4 + 8;

  /** {@code MSG_CTRUNC}: control data was truncated (too many fds). */
  private static final int MSG_CTRUNC = 0x8;

  private final ByteBuffer msg = ByteBuffer.allocateDirect(MSGHDR).order(ByteOrder.nativeOrder());
  private final ByteBuffer iov = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
  private final ByteBuffer control =
      ByteBuffer.allocateDirect(CONTROL).order(ByteOrder.nativeOrder());
  private final ByteBuffer data;

  /**
   * @param maxMessage the largest payload in bytes one message carries
   */
  public ScmRights(int maxMessage) {
    this.data = ByteBuffer.allocateDirect(maxMessage);
  }

  /** One received message: its payload bytes and the fds it carried (owned by the caller). */
  public record Message(byte[] payload, int[] fds) {}

  /**
   * Sends {@code payload} with {@code fds} as one message (blocking).
   *
   * @throws IOException when sendmsg fails (EPIPE: the peer left) or the payload is too long
   * @throws IllegalArgumentException for more than {@link #MAX_FDS} fds
   */
  public void send(int socket, byte[] payload, int[] fds) throws IOException {
    if (fds.length > MAX_FDS) throw new IllegalArgumentException(fds.length + " fds > " + MAX_FDS);
    if (payload.length > data.capacity())
      throw new IOException("message of " + payload.length + " bytes > " + data.capacity());
    data.clear();
    data.put(payload).flip();
    int controlLen = 0;
    control.clear();
    if (fds.length > 0) {
      controlLen = align(CMSGHDR + fds.length * 4);
      for (int i = 0; i < controlLen; i++) control.put(i, (byte) 0);
      control.putLong(0, CMSGHDR + fds.length * 4L);
      control.putInt(8, LibC.SOL_SOCKET);
      control.putInt(12, LibC.SCM_RIGHTS);
      for (int i = 0; i < fds.length; i++) control.putInt(CMSGHDR + 4 * i, fds[i]);
    }
    header(payload.length, controlLen);
    while (true) {
      long n = C.sendmsg(socket, msg, LibC.MSG_NOSIGNAL);
      if (n >= 0) return;
      int e = LibC.errno();
      if (e != LibC.EINTR) throw UnixSocket.error("sendmsg", null, e);
    }
  }

  /**
   * Receives one message (blocking).
   *
   * @return the message, or null at end of stream (the peer closed)
   * @throws IOException when recvmsg fails or the control data was truncated (fds lost)
   */
  public Message receive(int socket) throws IOException {
    data.clear();
    header(data.capacity(), CONTROL);
    long n;
    while (true) {
      n = C.recvmsg(socket, msg, LibC.MSG_CMSG_CLOEXEC);
      if (n >= 0) break;
      int e = LibC.errno();
      if (e != LibC.EINTR) throw UnixSocket.error("recvmsg", null, e);
    }
    long controlLen = msg.getLong(40);
    int[] fds = fdsOf(controlLen);
    if ((msg.getInt(48) & MSG_CTRUNC) != 0) {
      for (int fd : fds) C.close(fd);
      throw new IOException("recvmsg: control data truncated (fds lost)");
    }
    if (n == 0 && fds.length == 0) return null;
    byte[] payload = new byte[(int) n];
    data.get(0, payload);
    return new Message(payload, fds);
  }

  private int[] fdsOf(long controlLen) {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    int off = 0;
    while (off + CMSGHDR <= controlLen) {
      long len = control.getLong(off);
      if (len < CMSGHDR || off + len > controlLen) break;
      if (control.getInt(off + 8) == LibC.SOL_SOCKET
          && control.getInt(off + 12) == LibC.SCM_RIGHTS) {
        int count = (int) ((len - CMSGHDR) / 4);
        for (int i = 0; i < count; i++) out.add(control.getInt(off + CMSGHDR + 4 * i));
      }
      off += align((int) len);
    }
    return out.stream().mapToInt(Integer::intValue).toArray();
  }

  private void header(int dataLen, int controlLen) {
    MemoryIO io = MemoryIO.getInstance();
    iov.putLong(0, io.getDirectBufferAddress(data)).putLong(8, dataLen);
    msg.putLong(0, 0).putInt(8, 0).putInt(12, 0);
    msg.putLong(16, io.getDirectBufferAddress(iov)).putLong(24, 1);
    msg.putLong(32, controlLen == 0 ? 0 : io.getDirectBufferAddress(control))
        .putLong(40, controlLen);
    msg.putInt(48, 0).putInt(52, 0);
  }

  private static int align(int n) {
    return (n + 7) & ~7;
  }
}
