package io.kubevde.vdeplug.ffi;

import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc calls the data plane needs that the JDK does not offer (fd-level I/O on taps and
 * inherited sockets, ioctl TUNSETIFF, setns, poll, socketpair, recvmmsg/sendmmsg), bound with
 * jnr-ffi. Buffers passed to {@code read}/{@code write} should be direct. Errors: a call returns -1
 * and {@link #errno()} gives the code. Add further calls here (one shared binding), not in private
 * copies.
 */
public interface LibC {

  /** The process-wide binding. */
  LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

  /** The last error code of a call on this thread (errno). */
  static int errno() {
    return Runtime.getRuntime(INSTANCE).getLastError();
  }

  /** The message for an error code, e.g. {@code "No such device"}. */
  static String message(int errno) {
    return INSTANCE.strerror(errno);
  }

  int O_RDWR = 2;
  int O_NONBLOCK = 04000;
  int O_CLOEXEC = 02000000;
  short POLLIN = 0x001;
  short POLLOUT = 0x004;
  short POLLERR = 0x008;
  short POLLHUP = 0x010;
  short POLLNVAL = 0x020;
  int EINTR = 4;
  int EIO = 5;
  int EBADF = 9;
  int EAGAIN = 11;
  int EBUSY = 16;
  int ENODEV = 19;
  int EINVAL = 22;
  int EBADFD = 77;
  int AF_UNIX = 1;
  int SOCK_STREAM = 1;
  int SOCK_DGRAM = 2;
  int SOCK_SEQPACKET = 5;
  int SOCK_NONBLOCK = 04000;
  int SOCK_CLOEXEC = 02000000;
  int MSG_DONTWAIT = 0x40;
  int CLONE_NEWNET = 0x40000000;
  int EFD_CLOEXEC = 02000000;
  int EFD_NONBLOCK = 04000;

  @SaveError
  int open(String path, int flags);

  @SaveError
  int close(int fd);

  @SaveError
  @ssize_t
  long read(int fd, @Out ByteBuffer buf, @size_t long count);

  @SaveError
  @ssize_t
  long write(int fd, @In ByteBuffer buf, @size_t long count);

  @SaveError
  @ssize_t
  long read(int fd, Pointer buf, @size_t long count);

  @SaveError
  @ssize_t
  long write(int fd, Pointer buf, @size_t long count);

  @SaveError
  @ssize_t
  long send(int fd, @In ByteBuffer buf, @size_t long len, int flags);

  @SaveError
  @ssize_t
  long recv(int fd, @Out ByteBuffer buf, @size_t long len, int flags);

  /** ioctl with a pointer argument (e.g. TUNSETIFF with a 40-byte struct ifreq). */
  @SaveError
  int ioctl(int fd, long request, ByteBuffer arg);

  /** ioctl with an integer argument (e.g. TUNSETPERSIST). */
  @SaveError
  int ioctl(int fd, long request, long arg);

  /**
   * poll over {@code nfds} packed {@code struct pollfd} (8 bytes each: int fd, short events, short
   * revents).
   */
  @SaveError
  int poll(ByteBuffer fds, long nfds, int timeoutMs);

  /** socketpair; {@code sv} receives two ints. */
  @SaveError
  int socketpair(int domain, int type, int protocol, @Out int[] sv);

  @SaveError
  int setns(int fd, int nstype);

  @SaveError
  int eventfd(int initval, int flags);

  @SaveError
  int fcntl(int fd, int cmd, int arg);

  @SaveError
  int dup(int fd);

  @SaveError
  int dup2(int oldfd, int newfd);

  /**
   * recvmmsg; {@code msgvec} holds {@code vlen} packed {@code struct mmsghdr} (64 bytes each on
   * x86-64).
   */
  @SaveError
  int recvmmsg(int fd, Pointer msgvec, int vlen, int flags, Pointer timeout);

  /** sendmmsg; {@code msgvec} as for {@link #recvmmsg}. */
  @SaveError
  int sendmmsg(int fd, Pointer msgvec, int vlen, int flags);

  // --- AF_UNIX sockets by path (vde://, netnodes, ptp): sockaddr_un is 110 bytes, see
  // unix.SockaddrUn ---
  @SaveError
  int socket(int domain, int type, int protocol);

  @SaveError
  int bind(int fd, @In byte[] addr, int addrlen);

  @SaveError
  int connect(int fd, @In byte[] addr, int addrlen);

  @SaveError
  int listen(int fd, int backlog);

  /** accept4 without peer address ({@code addr} and {@code addrlen} null). */
  @SaveError
  int accept4(int fd, Pointer addr, Pointer addrlen, int flags);

  @SaveError
  @ssize_t
  long sendto(
      int fd, @In ByteBuffer buf, @size_t long len, int flags, @In byte[] addr, int addrlen);

  /** {@code SCM_RIGHTS} (socket.h): a control message carrying file descriptors. */
  int SCM_RIGHTS = 1;

  /** {@code MSG_CMSG_CLOEXEC}: received fds get close-on-exec. */
  int MSG_CMSG_CLOEXEC = 0x40000000;

  /** {@code MSG_NOSIGNAL}: EPIPE instead of SIGPIPE when the peer is gone. */
  int MSG_NOSIGNAL = 0x4000;

  /**
   * sendmsg(2) over a direct buffer holding one {@code struct msghdr} (56 bytes on x86-64/arm64:
   * name ptr, namelen, iov ptr, iovlen, control ptr, controllen, flags); used for SCM_RIGHTS (see
   * {@code unix.ScmRights}) and for UDP_SEGMENT sends (offloads.md).
   */
  @SaveError
  @ssize_t
  long sendmsg(int fd, ByteBuffer msghdr, int flags);

  /** recvmsg(2); {@code msghdr} as for {@link #sendmsg}. */
  @SaveError
  @ssize_t
  long recvmsg(int fd, ByteBuffer msghdr, int flags);

  @SaveError
  int chmod(String path, int mode);

  @SaveError
  int chown(String path, int owner, int group);

  String strerror(int errnum);

  int getpid();

  int geteuid();

  /** pipe2; {@code fds} receives the read end [0] and the write end [1]. */
  @SaveError
  int pipe2(@Out int[] fds, int flags);

  // --- UDP sockets for the overlays (vxvde): socket/bind/setsockopt/getsockname/sendto; recvmmsg
  // above ---
  int AF_INET = 2;
  int AF_INET6 = 10;
  int SOL_SOCKET = 1;
  int SO_REUSEADDR = 2;
  int SO_RCVBUF = 8;
  int SO_RCVBUFFORCE = 33;
  int IPPROTO_IP = 0;
  int IPPROTO_IPV6 = 41;
  int IP_MULTICAST_IF = 32;
  int IP_MULTICAST_TTL = 33;
  int IP_MULTICAST_LOOP = 34;
  int IP_ADD_MEMBERSHIP = 35;
  int IPV6_MULTICAST_IF = 17;
  int IPV6_MULTICAST_HOPS = 18;
  int IPV6_MULTICAST_LOOP = 19;
  int IPV6_ADD_MEMBERSHIP = 20;
  int IPV6_V6ONLY = 26;
  int EADDRINUSE = 98;
  int ENETUNREACH = 101;

  /** bind with a sockaddr in {@code addr} (from its position) of {@code len} bytes. */
  @SaveError
  int bind(int fd, @In ByteBuffer addr, int len);

  @SaveError
  int setsockopt(int fd, int level, int optname, @In ByteBuffer optval, int optlen);

  /** getsockopt; {@code len[0]} holds the buffer size in and the option's size out. */
  @SaveError
  int getsockopt(int fd, int level, int optname, @Out ByteBuffer optval, int[] len);

  /** getsockname; {@code len[0]} holds the buffer size in and the address size out. */
  @SaveError
  int getsockname(int fd, @Out ByteBuffer addr, int[] len);

  @SaveError
  @ssize_t
  long sendto(
      int fd, @In ByteBuffer buf, @size_t long len, int flags, @In ByteBuffer addr, int addrlen);

  /**
   * recvmmsg over a direct buffer holding {@code vlen} packed {@code struct mmsghdr}; {@code
   * timeout} may be null.
   */
  @SaveError
  int recvmmsg(int fd, ByteBuffer msgvec, int vlen, int flags, Pointer timeout);

  /** setsockopt with an int option value ({@code optval} = one int, {@code optlen} = 4). */
  @SaveError
  int setsockopt(int fd, int level, int optname, @In int[] optval, int optlen);

  // --- offloads (offloads.md): sendmsg with a UDP_SEGMENT cmsg, UDP_GRO, tap vnet headers ---
  int SOL_UDP = 17;
  int UDP_SEGMENT = 103;
  int UDP_GRO = 104;
  int MSG_TRUNC = 0x20;

  /** sendmmsg over a direct buffer holding {@code vlen} packed {@code struct mmsghdr}. */
  @SaveError
  int sendmmsg(int fd, ByteBuffer msgvec, int vlen, int flags);
}
