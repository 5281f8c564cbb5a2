package io.kubevde.vdeplug.plugin.overlay;

import com.kenai.jffi.MemoryIO;
import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A UDP socket driven directly through libc ({@link LibC}), for the overlay data path: it receives
 * in batches with {@code recvmmsg(2)} (one system call for up to {@link #BATCH} datagrams), which
 * {@link java.nio.channels.DatagramChannel} cannot do, and exposes its fd for {@code poll(2)}.
 *
 * <p>Receive: {@link #receiveBatch()} fills up to {@link #BATCH} slots without blocking; slot
 * {@code i} is read with {@link #data(int)} (bytes {@code [0, length(i))}), {@link #length(int)},
 * {@link #truncated(int)} and {@link #sender(int)}. Senders are decoded into {@link
 * InetSocketAddress}es through a small cache, so a steady stream from a few peers allocates
 * nothing. Send: {@link #sendTo} (blocking, so a full socket buffer slows the sender instead of
 * dropping). Not thread-safe for concurrent receivers; one sender and one receiver may run
 * concurrently.
 */
public final class UdpSocket implements AutoCloseable {
  /** Datagrams per recvmmsg call. */
  public static final int BATCH = 32;

  private static final LibC C = LibC.INSTANCE;
  private static final int MMSGHDR = 64;
  private static final int IOVEC = 16;
  private static final int SOCKADDR = 32;
  private static final int CACHE = 16;
  private static final int CONTROL = 32;
  private static final int MSGHDR = 56;

  /** Most datagrams in one {@link #sendSegmented} or {@link #sendEach} call (UDP_MAX_SEGMENTS). */
  public static final int MAX_SEGMENTS = 64;

  /** Largest UDP payload of one {@link #sendSegmented} call, in bytes (IPv4's 65507, rounded). */
  public static final int MAX_GSO_BYTES = 65000;

  private final int fd;
  private final boolean v6;
  private final int slotSize;
  private final ByteBuffer data;
  private final ByteBuffer[] slots = new ByteBuffer[BATCH];
  private final ByteBuffer headers;
  private final ByteBuffer iovecs;
  private final ByteBuffer names;
  private final ByteBuffer namesBigEndian;
  private final ByteBuffer sendName;
  private final ByteBuffer scratch = ByteBuffer.allocateDirect(32).order(ByteOrder.nativeOrder());
  private InetSocketAddress lastTarget;
  private int sendNameLen;
  private final long[] cacheHi = new long[CACHE];
  private final long[] cacheLo = new long[CACHE];
  private final InetSocketAddress[] cacheAddr = new InetSocketAddress[CACHE];
  private int cacheNext;
  private volatile boolean closed;
  private final ByteBuffer control;
  private boolean gro;
  private final ByteBuffer sendMsg;
  private final long sendMsgAddr;
  private final ByteBuffer sendVec;
  private final long sendVecAddr;
  private final long sendNameAddr;
  private ByteBuffer lastBuf;
  private long lastBufAddr;

  private UdpSocket(int fd, boolean v6, int maxDatagram) {
    this.fd = fd;
    this.v6 = v6;
    this.slotSize = maxDatagram;
    this.data = ByteBuffer.allocateDirect(maxDatagram * BATCH);
    this.headers = ByteBuffer.allocateDirect(MMSGHDR * BATCH).order(ByteOrder.nativeOrder());
    this.iovecs = ByteBuffer.allocateDirect(IOVEC * BATCH).order(ByteOrder.nativeOrder());
    this.names = ByteBuffer.allocateDirect(SOCKADDR * BATCH).order(ByteOrder.nativeOrder());
    this.namesBigEndian = names.duplicate().order(ByteOrder.BIG_ENDIAN);
    this.sendName = ByteBuffer.allocateDirect(SOCKADDR).order(ByteOrder.nativeOrder());
    this.control = ByteBuffer.allocateDirect(CONTROL * BATCH).order(ByteOrder.nativeOrder());
    this.sendMsg =
        ByteBuffer.allocateDirect(MMSGHDR * MAX_SEGMENTS + CONTROL).order(ByteOrder.nativeOrder());
    this.sendVec = ByteBuffer.allocateDirect(IOVEC * MAX_SEGMENTS).order(ByteOrder.nativeOrder());
    MemoryIO io = MemoryIO.getInstance();
    this.sendMsgAddr = io.getDirectBufferAddress(sendMsg);
    this.sendVecAddr = io.getDirectBufferAddress(sendVec);
    this.sendNameAddr = io.getDirectBufferAddress(sendName);
    long controlAddr = io.getDirectBufferAddress(control);
    long dataAddr = io.getDirectBufferAddress(data);
    long iovAddr = io.getDirectBufferAddress(iovecs);
    long nameAddr = io.getDirectBufferAddress(names);
    for (int i = 0; i < BATCH; i++) {
      slots[i] = data.slice(i * maxDatagram, maxDatagram);
      iovecs
          .putLong(i * IOVEC, dataAddr + (long) i * maxDatagram)
          .putLong(i * IOVEC + 8, maxDatagram);
      int h = i * MMSGHDR;
      headers.putLong(h, nameAddr + (long) i * SOCKADDR); // msg_name
      headers.putInt(h + 8, SOCKADDR); // msg_namelen
      headers.putLong(h + 16, iovAddr + (long) i * IOVEC); // msg_iov
      headers.putLong(h + 24, 1); // msg_iovlen
      headers.putLong(h + 32, controlAddr + (long) i * CONTROL).putLong(h + 40, 0); // no control
      headers.putInt(h + 48, 0).putInt(h + 56, 0); // msg_flags, msg_len
    }
  }

  /**
   * Opens an unbound UDP socket.
   *
   * @param maxDatagram the largest datagram received whole, in bytes (longer ones are {@link
   *     #truncated})
   * @throws IOException when socket(2) fails
   */
  public static UdpSocket open(ProtocolFamily family, int maxDatagram) throws IOException {
    boolean v6 = family == StandardProtocolFamily.INET6;
    int fd = C.socket(v6 ? LibC.AF_INET6 : LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
    if (fd < 0) throw error("socket", LibC.errno());
    UdpSocket s = new UdpSocket(fd, v6, maxDatagram);
    if (v6) s.setInt(LibC.IPPROTO_IPV6, LibC.IPV6_V6ONLY, 1, "IPV6_V6ONLY");
    return s;
  }

  /**
   * Wraps an already open (bound) UDP socket fd, e.g. one received from another process over {@code
   * SCM_RIGHTS}; this object owns it from now on.
   *
   * @param v6 whether it is an AF_INET6 socket
   * @param maxDatagram as for {@link #open}
   */
  public static UdpSocket adopt(int fd, boolean v6, int maxDatagram) {
    return new UdpSocket(fd, v6, maxDatagram);
  }

  /** The socket's fd (for poll). */
  public int fd() {
    return fd;
  }

  /** SO_REUSEADDR on. */
  public void reuseAddress() throws IOException {
    setInt(LibC.SOL_SOCKET, LibC.SO_REUSEADDR, 1, "SO_REUSEADDR");
  }

  /** SO_RCVBUF in bytes. */
  public void receiveBuffer(int bytes) throws IOException {
    setInt(LibC.SOL_SOCKET, LibC.SO_RCVBUF, bytes, "SO_RCVBUF");
  }

  /**
   * Asks for a receive buffer of {@code bytes}: SO_RCVBUFFORCE (root/CAP_NET_ADMIN, not capped by
   * {@code net.core.rmem_max}), else SO_RCVBUF (capped). Never fails.
   */
  public void receiveBufferAtLeast(int bytes) {
    try {
      setInt(LibC.SOL_SOCKET, LibC.SO_RCVBUFFORCE, bytes, "SO_RCVBUFFORCE");
    } catch (IOException e) {
      try {
        receiveBuffer(bytes);
      } catch (IOException ignored) {
        // keep the system default
      }
    }
  }

  /** Multicast TTL (IPv4) or hop limit (IPv6). */
  public void multicastTtl(int ttl) throws IOException {
    if (v6) setInt(LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_HOPS, ttl, "IPV6_MULTICAST_HOPS");
    else setInt(LibC.IPPROTO_IP, LibC.IP_MULTICAST_TTL, ttl, "IP_MULTICAST_TTL");
  }

  /** Whether our own multicast is looped back to local sockets. */
  public void multicastLoop(boolean on) throws IOException {
    if (v6) setInt(LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_LOOP, on ? 1 : 0, "IPV6_MULTICAST_LOOP");
    else setInt(LibC.IPPROTO_IP, LibC.IP_MULTICAST_LOOP, on ? 1 : 0, "IP_MULTICAST_LOOP");
  }

  /** The interface (index) multicast is sent from. */
  public void multicastInterface(int ifindex) throws IOException {
    if (v6) {
      setInt(LibC.IPPROTO_IPV6, LibC.IPV6_MULTICAST_IF, ifindex, "IPV6_MULTICAST_IF");
    } else {
      scratch.clear();
      scratch.putInt(0, 0).putInt(4, 0).putInt(8, ifindex); // struct ip_mreqn
      set(LibC.IPPROTO_IP, LibC.IP_MULTICAST_IF, 12, "IP_MULTICAST_IF");
    }
  }

  /** Joins {@code group} on interface {@code ifindex} (0 = the kernel's choice). */
  public void join(InetAddress group, int ifindex) throws IOException {
    scratch.clear();
    byte[] a = group.getAddress();
    if (v6) {
      scratch.put(0, a).putInt(16, ifindex); // struct ipv6_mreq
      set(
          LibC.IPPROTO_IPV6,
          LibC.IPV6_ADD_MEMBERSHIP,
          20,
          "IPV6_ADD_MEMBERSHIP " + group.getHostAddress());
    } else {
      scratch.put(0, a).putInt(4, 0).putInt(8, ifindex); // struct ip_mreqn
      set(
          LibC.IPPROTO_IP,
          LibC.IP_ADD_MEMBERSHIP,
          12,
          "IP_ADD_MEMBERSHIP " + group.getHostAddress());
    }
  }

  /**
   * Binds to {@code local} (an address of this socket's family, or null address = wildcard; port 0
   * = ephemeral).
   */
  public void bind(InetAddress address, int port) throws IOException {
    int len = encode(sendName, address, port);
    lastTarget = null;
    if (C.bind(fd, sendName, len) < 0) {
      int e = LibC.errno();
      throw error("bind " + (address == null ? "*" : address.getHostAddress()) + ":" + port, e);
    }
  }

  /** The local address and port (getsockname). */
  public InetSocketAddress localAddress() throws IOException {
    ByteBuffer b = ByteBuffer.allocateDirect(SOCKADDR).order(ByteOrder.nativeOrder());
    int[] len = {SOCKADDR};
    if (C.getsockname(fd, b, len) < 0) throw error("getsockname", LibC.errno());
    return decode(b, 0);
  }

  /**
   * Sends bytes {@code [position, limit)} of {@code buf} (a direct buffer) to {@code to}; the
   * position is not moved.
   *
   * @return the bytes sent, or {@code -errno} on failure (e.g. {@code -ENETUNREACH}); the caller
   *     decides what is fatal
   */
  public long sendTo(ByteBuffer buf, InetSocketAddress to) {
    int nameLen = target(to);
    long n = C.sendto(fd, buf, buf.remaining(), 0, sendName, nameLen);
    return n >= 0 ? n : -LibC.errno();
  }

  /**
   * Receives up to {@link #BATCH} datagrams without blocking.
   *
   * @return how many slots were filled (0 when nothing is waiting)
   * @throws IOException on an error other than EAGAIN/EINTR
   */
  public int receiveBatch() throws IOException {
    for (int i = 0; i < BATCH; i++) {
      headers.putInt(i * MMSGHDR + 8, SOCKADDR).putInt(i * MMSGHDR + 48, 0);
      if (gro) headers.putLong(i * MMSGHDR + 40, CONTROL);
    }
    int n = C.recvmmsg(fd, headers, BATCH, LibC.MSG_DONTWAIT, null);
    if (n >= 0) return n;
    int e = LibC.errno();
    if (e == LibC.EAGAIN || e == LibC.EINTR) return 0;
    throw error("recvmmsg", e);
  }

  /**
   * Turns on {@code UDP_GRO} (offloads.md §4): the kernel may then hand several datagrams of one
   * sender in one slot, all {@link #gsoSize(int)} bytes long but the last; each slot gets its own
   * control buffer for the size. Open the socket with a {@code maxDatagram} of 65535 so a coalesced
   * slot is not {@link #truncated}.
   *
   * @return false when the kernel refuses the option (before Linux 5.0): slots then hold one
   *     datagram each, as without it
   */
  public boolean enableGro() {
    try {
      setInt(LibC.SOL_UDP, LibC.UDP_GRO, 1, "UDP_GRO");
      gro = true;
    } catch (IOException e) {
      gro = false;
    }
    return gro;
  }

  /**
   * Turns {@code UDP_GRO} off (a socket received from a process that had it on, opened here without
   * offload); best effort.
   */
  public void disableGro() {
    try {
      setInt(LibC.SOL_UDP, LibC.UDP_GRO, 0, "UDP_GRO");
    } catch (IOException e) {
      // a kernel without UDP_GRO never had it on
    }
    gro = false;
  }

  /**
   * The size of each datagram coalesced into slot {@code i} ({@code UDP_GRO} control message), or 0
   * when the slot holds one datagram. Malformed control data counts as 0.
   */
  public int gsoSize(int i) {
    if (!gro) return 0;
    long clen = headers.getLong(i * MMSGHDR + 40);
    int base = i * CONTROL;
    int c = 0;
    while (c + 16 <= clen && c + 16 <= CONTROL) {
      long len = control.getLong(base + c);
      if (len < 16 || c + len > CONTROL) return 0;
      if (control.getInt(base + c + 8) == LibC.SOL_UDP
          && control.getInt(base + c + 12) == LibC.UDP_GRO
          && len >= 20) {
        int g = control.getInt(base + c + 16);
        return g > 0 ? g : 0;
      }
      c += (int) ((len + 7) & ~7L);
    }
    return 0;
  }

  private long address(ByteBuffer buf) {
    if (buf != lastBuf) {
      lastBufAddr = MemoryIO.getInstance().getDirectBufferAddress(buf);
      lastBuf = buf;
    }
    return lastBufAddr;
  }

  private int target(InetSocketAddress to) {
    if (to != lastTarget) {
      sendNameLen = encode(sendName, to.getAddress(), to.getPort());
      lastTarget = to;
    }
    return sendNameLen;
  }

  /**
   * Sends bytes {@code [off, off + len)} of the direct buffer {@code buf} to {@code to} as
   * datagrams of {@code segment} bytes each (the last may be shorter) in one {@code sendmsg} with a
   * {@code UDP_SEGMENT} control message (offloads.md §3). On the wire this is exactly what {@code
   * len / segment} separate sends would give. At most {@link #MAX_SEGMENTS} datagrams and {@link
   * #MAX_GSO_BYTES} bytes.
   *
   * @return the bytes sent, or {@code -errno} ({@code -EIO}: the device cannot segment; use {@link
   *     #sendEach})
   */
  public long sendSegmented(ByteBuffer buf, int off, int len, int segment, InetSocketAddress to) {
    int nameLen = target(to);
    sendVec.putLong(0, address(buf) + off).putLong(8, len);
    int ctl = MMSGHDR * MAX_SEGMENTS;
    sendMsg.putLong(ctl, 18).putInt(ctl + 8, LibC.SOL_UDP).putInt(ctl + 12, LibC.UDP_SEGMENT);
    sendMsg.putShort(ctl + 16, (short) segment);
    sendMsg.putLong(0, sendNameAddr).putInt(8, nameLen);
    sendMsg.putLong(16, sendVecAddr).putLong(24, 1);
    sendMsg.putLong(32, sendMsgAddr + ctl).putLong(40, 24).putInt(48, 0);
    long n = C.sendmsg(fd, sendMsg, 0);
    return n >= 0 ? n : -LibC.errno();
  }

  /**
   * Sends {@code count} datagrams laid out in the direct buffer {@code buf} from {@code off}, every
   * {@code stride} bytes, each {@code stride} bytes long but the last ({@code lastLen}), to {@code
   * to} with {@code sendmmsg} (the fallback of {@link #sendSegmented}). {@code count} ≤ {@link
   * #MAX_SEGMENTS}.
   *
   * @return how many datagrams were sent, or {@code -errno} when the first one failed
   */
  public int sendEach(
      ByteBuffer buf, int off, int stride, int count, int lastLen, InetSocketAddress to) {
    int nameLen = target(to);
    long base = address(buf) + off;
    for (int i = 0; i < count; i++) {
      sendVec.putLong(i * IOVEC, base + (long) i * stride);
      sendVec.putLong(i * IOVEC + 8, i == count - 1 ? lastLen : stride);
      int h = i * MMSGHDR;
      sendMsg.putLong(h, sendNameAddr).putInt(h + 8, nameLen);
      sendMsg.putLong(h + 16, sendVecAddr + (long) i * IOVEC).putLong(h + 24, 1);
      sendMsg.putLong(h + 32, 0).putLong(h + 40, 0).putInt(h + 48, 0).putInt(h + 56, 0);
    }
    int sent = 0;
    while (sent < count) {
      int n =
          C.sendmmsg(
              fd,
              sent == 0 ? sendMsg : sendMsg.slice(sent * MMSGHDR, (count - sent) * MMSGHDR),
              count - sent,
              0);
      if (n < 0) {
        int e = LibC.errno();
        if (e == LibC.EINTR) continue;
        return sent > 0 ? sent : -e;
      }
      sent += n;
    }
    return sent;
  }

  /**
   * Sends bytes {@code [off, off + len)} of the direct buffer {@code buf} to {@code to}.
   *
   * @return the bytes sent, or {@code -errno}
   */
  public long sendTo(ByteBuffer buf, int off, int len, InetSocketAddress to) {
    int nameLen = target(to);
    sendVec.putLong(0, address(buf) + off).putLong(8, len);
    sendMsg.putLong(0, sendNameAddr).putInt(8, nameLen);
    sendMsg.putLong(16, sendVecAddr).putLong(24, 1);
    sendMsg.putLong(32, 0).putLong(40, 0).putInt(48, 0);
    long n = C.sendmsg(fd, sendMsg, 0);
    return n >= 0 ? n : -LibC.errno();
  }

  /** Slot {@code i}'s data buffer (absolute indices, capacity = the largest datagram). */
  public ByteBuffer data(int i) {
    return slots[i];
  }

  /** Slot {@code i}'s datagram length in bytes (at most the slot size). */
  public int length(int i) {
    return Math.min(headers.getInt(i * MMSGHDR + 56), slotSize);
  }

  /** Whether slot {@code i}'s datagram was longer than the slot (MSG_TRUNC). */
  public boolean truncated(int i) {
    return (headers.getInt(i * MMSGHDR + 48) & 0x20) != 0;
  }

  /**
   * Slot {@code i}'s sender address family: {@link LibC#AF_INET}, {@link LibC#AF_INET6}, or another
   * value.
   */
  public int senderFamily(int i) {
    return names.getShort(i * SOCKADDR) & 0xFFFF;
  }

  /** Slot {@code i}'s sender port (0..65535), read from the raw sockaddr without decoding it. */
  public int senderPort(int i) {
    return namesBigEndian.getShort(i * SOCKADDR + 2) & 0xFFFF;
  }

  /**
   * The first 8 bytes of slot {@code i}'s sender IPv6 address as a big-endian long; 0 for IPv4.
   * With {@link #senderAddressLow} it lets a filter compare raw sender addresses without
   * allocating.
   */
  public long senderAddressHigh(int i) {
    return senderFamily(i) == LibC.AF_INET6 ? namesBigEndian.getLong(i * SOCKADDR + 8) : 0;
  }

  /**
   * The last 8 bytes of slot {@code i}'s sender IPv6 address as a big-endian long; for IPv4 the 4
   * address bytes as an unsigned big-endian value (a.b.c.d = {@code a << 24 | b << 16 | c << 8 |
   * d}).
   */
  public long senderAddressLow(int i) {
    int off = i * SOCKADDR;
    return senderFamily(i) == LibC.AF_INET6
        ? namesBigEndian.getLong(off + 16)
        : namesBigEndian.getInt(off + 4) & 0xFFFF_FFFFL;
  }

  /** Slot {@code i}'s sender, or null for an address family we do not know. */
  public InetSocketAddress sender(int i) {
    int off = i * SOCKADDR;
    int fam = names.getShort(off) & 0xFFFF;
    long hi;
    long lo;
    int port = ((names.get(off + 2) & 0xFF) << 8) | (names.get(off + 3) & 0xFF);
    if (fam == LibC.AF_INET) {
      hi = 4L << 56 | port;
      lo = names.getInt(off + 4) & 0xFFFF_FFFFL;
    } else if (fam == LibC.AF_INET6) {
      hi = names.getLong(off + 8) ^ ((long) port << 1) ^ 6;
      lo = names.getLong(off + 16);
      // the port is folded into hi; confirm on hit below
    } else {
      return null;
    }
    for (int k = 0; k < CACHE; k++) {
      InetSocketAddress c = cacheAddr[k];
      if (c != null && cacheHi[k] == hi && cacheLo[k] == lo && c.getPort() == port) return c;
    }
    InetSocketAddress a = decode(names, off);
    if (a == null) return null;
    int k = cacheNext;
    cacheNext = (cacheNext + 1) % CACHE;
    cacheHi[k] = hi;
    cacheLo[k] = lo;
    cacheAddr[k] = a;
    return a;
  }

  private static InetSocketAddress decode(ByteBuffer b, int off) {
    int fam = b.getShort(off) & 0xFFFF;
    int port = ((b.get(off + 2) & 0xFF) << 8) | (b.get(off + 3) & 0xFF);
    try {
      if (fam == LibC.AF_INET) {
        byte[] a = new byte[4];
        b.get(off + 4, a);
        return new InetSocketAddress(InetAddress.getByAddress(a), port);
      }
      if (fam == LibC.AF_INET6) {
        byte[] a = new byte[16];
        b.get(off + 8, a);
        return new InetSocketAddress(InetAddress.getByAddress(a), port);
      }
    } catch (UnknownHostException e) {
      // cannot happen for 4/16 bytes
    }
    return null;
  }

  private int encode(ByteBuffer b, InetAddress address, int port) {
    b.clear();
    return encode(b, 0, address, port);
  }

  /**
   * Writes {@code to} as a {@code struct sockaddr_in}/{@code sockaddr_in6} of this socket's family
   * into 32 bytes of {@code b} from absolute offset {@code off} (the rest zeroed).
   *
   * @return the sockaddr length in bytes (16 or 28)
   * @throws IllegalArgumentException when {@code to}'s address is of the other family
   */
  public int encodeAddress(InetSocketAddress to, ByteBuffer b, int off) {
    return encode(b, off, to.getAddress(), to.getPort());
  }

  private int encode(ByteBuffer b, int off, InetAddress address, int port) {
    for (int i = 0; i < SOCKADDR; i += 8) b.putLong(off + i, 0);
    b.put(off + 2, (byte) (port >>> 8)).put(off + 3, (byte) port);
    if (v6) {
      b.putShort(off, (short) LibC.AF_INET6);
      if (address != null) {
        if (!(address instanceof Inet6Address))
          throw new IllegalArgumentException("not IPv6: " + address);
        b.put(off + 8, address.getAddress());
        b.putInt(off + 24, ((Inet6Address) address).getScopeId());
      }
      return 28;
    }
    b.putShort(off, (short) LibC.AF_INET);
    if (address != null) {
      if (!(address instanceof Inet4Address))
        throw new IllegalArgumentException("not IPv4: " + address);
      b.put(off + 4, address.getAddress());
    }
    return 16;
  }

  private void setInt(int level, int opt, int value, String what) throws IOException {
    scratch.clear();
    scratch.putInt(0, value);
    set(level, opt, 4, what);
  }

  private void set(int level, int opt, int len, String what) throws IOException {
    if (C.setsockopt(fd, level, opt, scratch, len) < 0)
      throw error("setsockopt " + what, LibC.errno());
  }

  private static IOException error(String what, int errno) {
    return new IOException(what + ": " + LibC.message(errno) + " (errno " + errno + ")");
  }

  /** Closes the fd; idempotent. The caller makes sure no other thread is inside a call. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    C.close(fd);
  }
}
