package io.kubevde.vdeplug.plugin.tap;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Linux tap interface opened through {@code /dev/net/tun} (vde-protocols.md §5): TUNSETIFF with
 * {@code IFF_TAP | IFF_NO_PI} (no packet-information header, no vnet header), one Ethernet frame
 * per read/write.
 *
 * <p>Life cycle: {@link #open} creates the interface (or attaches to an existing persistent one of
 * that name); without {@link #setPersistent persistence} the kernel deletes the interface when this
 * device is closed. A persistent tap survives {@link #close} (and the process): {@link #attach}
 * re-opens it by name later, which is how the node agent keeps pod interfaces across restarts. The
 * interface is never configured here (no up, address or MTU), as in vdeplug4. Names are truncated
 * to 15 bytes (IFNAMSIZ − 1); an empty name lets the kernel pick {@code tapN}.
 *
 * <p>I/O: the fd is non-blocking; {@link #read} waits with poll(2) on the fd and the eventfd of an
 * {@link FdPlugLifecycle}, so {@link #close} from another thread makes a blocked read return {@link
 * Plug#CLOSED} at once, and returns after the reader has left. When the interface disappears
 * (deleted, or its network namespace deleted), the kernel reports POLLERR/EBADFD: {@link #read}
 * returns {@link Plug#CLOSED} and {@link #write} throws, instead of spinning like vdeplug4
 * (platform-notes). A write while the link is down (EIO) is a dropped frame ({@code 0}).
 *
 * <p>Threads: one reader and one writer at a time may use the device concurrently; {@link #close}
 * is thread-safe.
 */
public final class TapDevice implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(TapDevice.class);
  private long lastRefusalLog;
  private long refusedSinceLog;

  /** {@code _IOW('T', 202, int)}. */
  static final long TUNSETIFF = 0x400454caL;

  /** {@code _IOW('T', 203, int)}. */
  static final long TUNSETPERSIST = 0x400454cbL;

  static final short IFF_TAP = 0x0002;
  static final short IFF_NO_PI = 0x1000;

  /** {@code IFF_TUN_EXCL}: TUNSETIFF fails with EBUSY when the name exists (if_tun.h). */
  static final short IFF_TUN_EXCL = (short) 0x8000;

  /** {@code SIOCGIFINDEX} (linux/sockios.h): the index of the interface named in a struct ifreq. */
  static final long SIOCGIFINDEX = 0x8933L;

  /** {@code IFF_VNET_HDR}: every read and write starts with a {@code virtio_net_hdr}. */
  static final short IFF_VNET_HDR = 0x4000;

  /** {@code _IOW('T', 208, unsigned int)}: which offloads the reader of the tap can take. */
  static final long TUNSETOFFLOAD = 0x400454d0L;

  static final int TUN_F_CSUM = 0x01;
  static final int TUN_F_TSO4 = 0x02;
  static final int TUN_F_TSO6 = 0x04;
  static final int TUN_F_USO4 = 0x20;
  static final int TUN_F_USO6 = 0x40;

  /** {@code SIOCSIFTXQLEN} (linux/sockios.h). */
  static final long SIOCSIFTXQLEN = 0x8943L;

  /** The txqueuelen set on a tap opened with offloads (the kernel's default is 500 or 1000). */
  static final int OFFLOAD_TXQUEUELEN = 5000;

  /** Longest interface name (bytes), IFNAMSIZ − 1. */
  public static final int MAX_NAME = 15;

  private static final int IFREQ_SIZE = 40;
  private static final LibC C = LibC.INSTANCE;

  private final int fd;
  private final FdPlugLifecycle life;
  private final String name;
  // copies for heap buffers (and vnet writes without headroom), allocated at their first use: the
  // agent's switch always hands direct buffers with headroom, so a pod's tap never needs them
  private ByteBuffer bounceIn;
  private ByteBuffer bounceOut;
  private volatile boolean gone;
  private final int offloads;

  private TapDevice(int fd, FdPlugLifecycle life, String name, int offloads) {
    this.fd = fd;
    this.life = life;
    this.name = name;
    this.offloads = offloads;
  }

  /**
   * Creates tap {@code name} (or attaches to an existing persistent tap of that name).
   *
   * @param name interface name; truncated to 15 bytes; empty = kernel's choice
   * @throws IOException when {@code /dev/net/tun} cannot be opened or TUNSETIFF fails (EPERM
   *     without CAP_NET_ADMIN, EBUSY when another fd holds the tap, EINVAL when NAME is another
   *     kind of interface); the message names the call and the error
   */
  public static TapDevice open(String name) throws IOException {
    return open(name, (short) 0);
  }

  /**
   * Like {@link #open} with {@code IFF_VNET_HDR} when {@code offload} (offloads.md §1): every read
   * and write then starts with a 10-byte {@code virtio_net_hdr} ({@link #readVnet}, {@link
   * #writeVnet}; {@link #read} and {@link #write} must not be used), and TUNSETOFFLOAD announces
   * CSUM, TSO4, TSO6 and, where the kernel has them (≥ 6.2), USO4 and USO6, so the kernel hands
   * over TCP (and UDP GSO) super-frames of up to 64 KiB with checksums left to complete. The tap's
   * txqueuelen is raised to {@value #OFFLOAD_TXQUEUELEN} (best effort).
   *
   * @throws IOException as {@link #open}, or when TUNSETOFFLOAD is refused
   */
  public static TapDevice open(String name, boolean offload) throws IOException {
    return offload ? open(name, IFF_VNET_HDR) : open(name, (short) 0);
  }

  /**
   * Creates a new <b>persistent</b> tap {@code name} in the current network namespace and closes it
   * again (what {@code ip tuntap add dev NAME mode tap} does): the interface stays, down and
   * unconfigured, until deleted; {@link #attach} opens it later. Unlike {@link #open} this never
   * takes over an existing interface ({@code IFF_TUN_EXCL}).
   *
   * @param name interface name, 1 to 15 bytes
   * @throws IOException when the name is taken (EBUSY, also when another kind of interface has it:
   *     EINVAL), when {@code /dev/net/tun} cannot be opened, or TUNSETPERSIST fails (EPERM); the
   *     message names the call and the error
   */
  public static void createPersistent(String name) throws IOException {
    if (name == null || name.isEmpty() || truncate(name).length != name.getBytes(UTF_8).length)
      throw new IllegalArgumentException("tap name must be 1 to 15 bytes: '" + name + "'");
    try (TapDevice dev = open(name, IFF_TUN_EXCL)) {
      dev.setPersistent(true);
    }
  }

  /**
   * The index of interface {@code name} in the current network namespace ({@code ioctl
   * SIOCGIFINDEX} on a datagram socket, netdevice(7)), or 0 when there is none. Unlike {@code
   * java.net.NetworkInterface} this sees every interface, also one without any address (a pure-L2
   * tap), and it answers for the namespace of the calling thread (after setns(2)).
   *
   * @throws IOException when the socket cannot be made or the ioctl fails other than ENODEV
   */
  public static int ifIndex(String name) throws IOException {
    int s = C.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
    if (s < 0) throw error("socket(AF_INET)", LibC.errno());
    try {
      ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(ByteOrder.nativeOrder());
      ifr.put(0, truncate(name));
      if (C.ioctl(s, SIOCGIFINDEX, ifr) < 0) {
        int err = LibC.errno();
        if (err == LibC.ENODEV) return 0;
        throw error("SIOCGIFINDEX " + name, err);
      }
      return ifr.getInt(16);
    } finally {
      C.close(s);
    }
  }

  private static TapDevice open(String name, short extraFlags) throws IOException {
    int fd = C.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
    if (fd < 0) throw error("open /dev/net/tun", LibC.errno());
    try {
      ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(ByteOrder.nativeOrder());
      byte[] n = truncate(name == null ? "" : name);
      ifr.put(0, n);
      ifr.putShort(16, (short) (IFF_TAP | IFF_NO_PI | extraFlags));
      if (C.ioctl(fd, TUNSETIFF, ifr) < 0)
        throw error("TUNSETIFF " + new String(n, StandardCharsets.UTF_8), LibC.errno());
      int len = 0;
      while (len < 16 && ifr.get(len) != 0) len++;
      byte[] actual = new byte[len];
      ifr.get(0, actual);
      String actualName = new String(actual, StandardCharsets.UTF_8);
      int offloads = 0;
      if ((extraFlags & IFF_VNET_HDR) != 0) {
        offloads = setOffloads(fd, actualName);
        setTxQueueLen(actualName, OFFLOAD_TXQUEUELEN);
      }
      return new TapDevice(
          fd,
          FdPlugLifecycle.withEventFd("tap " + actualName, Plug.MAX_FRAME),
          actualName,
          offloads);
    } catch (IOException | RuntimeException e) {
      C.close(fd);
      throw e;
    }
  }

  /**
   * Re-attaches to an existing (persistent) tap in the current network namespace, with or without
   * addresses (the existence check is {@link #ifIndex}).
   *
   * @throws IOException when no interface of that name exists, or as {@link #open}
   */
  public static TapDevice attach(String name) throws IOException {
    return attach(name, false);
  }

  /**
   * As {@link #attach(String)}, with {@code IFF_VNET_HDR} and offloads when {@code offload} (see
   * {@link #open(String, boolean)}): the kernel then hands over super-frames. Every fd of one tap
   * must agree: the tap's offload features stay set after the fd is closed, so a tap once opened
   * with offloads must be opened with them again.
   *
   * @throws IOException as {@link #attach(String)}, or when TUNSETOFFLOAD is refused
   */
  public static TapDevice attach(String name, boolean offload) throws IOException {
    String n = new String(truncate(name), StandardCharsets.UTF_8);
    if (ifIndex(n) == 0) throw new IOException("no interface '" + n + "' to attach to");
    return open(n, offload);
  }

  /**
   * TUNSETOFFLOAD with CSUM, TSO4, TSO6 and, where the kernel has them (≥ 6.2), USO4 and USO6.
   *
   * @return the offload flags the kernel took
   * @throws IOException when even CSUM + TSO is refused
   */
  private static int setOffloads(int fd, String name) throws IOException {
    int offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_USO4 | TUN_F_USO6;
    if (C.ioctl(fd, TUNSETOFFLOAD, offloads) < 0) {
      offloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6; // kernels before 6.2 have no USO
      if (C.ioctl(fd, TUNSETOFFLOAD, offloads) < 0)
        throw new OffloadRefused(error("TUNSETOFFLOAD " + name, LibC.errno()).getMessage());
    }
    return offloads;
  }

  /** The kernel refused TUNSETOFFLOAD (even without USO): the tap can only run without offloads. */
  private static final class OffloadRefused extends IOException {
    OffloadRefused(String message) {
      super(message);
    }
  }

  /**
   * As {@link #attach(String, boolean)} with offloads, but where the kernel refuses TUNSETOFFLOAD
   * the tap is attached without them ({@link #vnetHeader} then false): for callers that want
   * offloads when there are any, not an error when there are none.
   *
   * @throws IOException as {@link #attach(String)}
   */
  public static TapDevice attachPreferringOffload(String name) throws IOException {
    try {
      return attach(name, true);
    } catch (OffloadRefused e) {
      return attach(name, false);
    }
  }

  private static void setTxQueueLen(String name, int len) {
    int s = C.socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
    if (s < 0) return;
    try {
      ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(ByteOrder.nativeOrder());
      ifr.put(0, truncate(name));
      ifr.putInt(16, len);
      C.ioctl(s, SIOCSIFTXQLEN, ifr); // best effort: a short queue only costs drops under load
    } finally {
      C.close(s);
    }
  }

  /** Whether this tap was opened with {@code IFF_VNET_HDR} and offloads. */
  public boolean vnetHeader() {
    return offloads != 0;
  }

  /** Whether the kernel took the UDP segmentation offload (USO4/USO6, Linux ≥ 6.2). */
  public boolean udpSegmentationOffload() {
    return (offloads & TUN_F_USO4) != 0;
  }

  /**
   * Wraps an already open tap fd, e.g. one received from another process over {@code SCM_RIGHTS}
   * (agent hand-over): the same open file description, so frames queued in the tap are read here.
   * The fd is made non-blocking (a flag of the shared description, which the other process set
   * too); this device owns it from now on ({@link #close} closes it).
   *
   * @param fd an fd of {@code /dev/net/tun} on which TUNSETIFF was done
   * @param name the interface name (for messages)
   *     <p>A tap the other process opened with {@code IFF_VNET_HDR} (offload) stays so: the device
   *     then {@linkplain #vnetHeader has vnet headers} (its offloads announced again with
   *     TUNSETOFFLOAD).
   * @throws IOException when the fd is not a tap of that name (TUNGETIFF), or fcntl or
   *     TUNSETOFFLOAD fails
   */
  public static TapDevice adopt(int fd, String name) throws IOException {
    ByteBuffer ifr = ByteBuffer.allocateDirect(IFREQ_SIZE).order(ByteOrder.nativeOrder());
    if (C.ioctl(fd, TUNGETIFF, ifr) < 0) throw error("TUNGETIFF " + name, LibC.errno());
    int len = 0;
    while (len < 16 && ifr.get(len) != 0) len++;
    byte[] actual = new byte[len];
    ifr.get(0, actual);
    if (!java.util.Arrays.equals(actual, truncate(name)) || (ifr.getShort(16) & IFF_TAP) == 0)
      throw new IOException(
          "fd " + fd + " is " + new String(actual, StandardCharsets.UTF_8) + ", not tap " + name);
    int offloads = 0;
    if ((ifr.getShort(16) & IFF_VNET_HDR) != 0) offloads = setOffloads(fd, name);
    if (C.fcntl(fd, F_SETFL, LibC.O_RDWR | LibC.O_NONBLOCK) < 0)
      throw error("fcntl(F_SETFL) tap " + name, LibC.errno());
    return new TapDevice(
        fd, FdPlugLifecycle.withEventFd("tap " + name, Plug.MAX_FRAME), name, offloads);
  }

  private static final int F_SETFL = 4;

  /** {@code _IOR('T', 210, unsigned int)}: the name and flags of the tap behind an fd. */
  static final long TUNGETIFF = 0x800454d2L;

  /** The interface name the kernel gave the tap. */
  public String name() {
    return name;
  }

  /** The tun fd (for diagnostics; do not close it). */
  public int fd() {
    return fd;
  }

  /** The life cycle (closed flag, guards) shared with {@link TapPlug}. */
  FdPlugLifecycle lifecycle() {
    return life;
  }

  /**
   * Makes the interface persistent (survives {@link #close}) or not (TUNSETPERSIST). Clearing
   * persistence on a tap that is then closed deletes it.
   *
   * @throws IOException when the ioctl fails
   */
  public void setPersistent(boolean persistent) throws IOException {
    life.enter();
    try {
      if (C.ioctl(fd, TUNSETPERSIST, persistent ? 1L : 0L) < 0)
        throw error("TUNSETPERSIST " + name, LibC.errno());
    } finally {
      life.leave();
    }
  }

  /**
   * Blocks until a frame arrives and copies it into {@code buf} at its position (needs {@link
   * Plug#MAX_FRAME} bytes remaining for the largest frames; longer frames are truncated by the
   * kernel), advancing the position.
   *
   * @return the frame length in bytes, or {@link Plug#CLOSED} when this device was closed or the
   *     interface is gone
   * @throws IOException on an unexpected read error
   */
  public int read(ByteBuffer buf) throws IOException {
    if (offloads != 0) throw new IllegalStateException("tap " + name + " has vnet headers");
    return readFrame(buf, true);
  }

  /**
   * Like {@link #read} but never waits: one read(2) on the non-blocking fd.
   *
   * @return as {@link #read}, or {@link Plug#AGAIN} when no frame is queued
   */
  public int readNow(ByteBuffer buf) throws IOException {
    if (offloads != 0) throw new IllegalStateException("tap " + name + " has vnet headers");
    return readFrame(buf, false);
  }

  /**
   * Blocks until a frame arrives on a tap opened with offloads: its {@code virtio_net_hdr} is read
   * into the {@link GsoInfo#VNET_HDR_LEN} bytes before {@code buf}'s position (which must be free)
   * and decoded into {@code info}, the frame (up to 64 KiB) at the position, which is advanced past
   * it.
   *
   * @return the frame length in bytes (without the header), {@link Plug#NO_FRAME} for a read
   *     shorter than the header, or {@link Plug#CLOSED}
   * @throws IOException on an unexpected read error
   */
  public int readVnet(ByteBuffer buf, GsoInfo info) throws IOException {
    return readVnet(buf, info, true);
  }

  /**
   * Like {@link #readVnet} but never waits.
   *
   * @return as {@link #readVnet}, or {@link Plug#AGAIN} when no frame is queued
   */
  public int readVnetNow(ByteBuffer buf, GsoInfo info) throws IOException {
    return readVnet(buf, info, false);
  }

  private int readVnet(ByteBuffer buf, GsoInfo info, boolean wait) throws IOException {
    int pos = buf.position();
    buf.position(pos - GsoInfo.VNET_HDR_LEN);
    int n = readFrame(buf, wait);
    if (n == Plug.CLOSED || n == Plug.AGAIN) {
      buf.position(pos);
      return n;
    }
    if (n < GsoInfo.VNET_HDR_LEN) {
      buf.position(pos);
      return Plug.NO_FRAME;
    }
    info.read(buf, pos - GsoInfo.VNET_HDR_LEN);
    return n - GsoInfo.VNET_HDR_LEN;
  }

  private int readFrame(ByteBuffer buf, boolean wait) throws IOException {
    if (!life.enterReceive()) return Plug.CLOSED;
    try {
      while (true) {
        if (life.isReceiveShut() || gone) return Plug.CLOSED;
        int pos = buf.position();
        long n;
        if (buf.isDirect()) {
          n = C.read(fd, buf, buf.remaining());
        } else {
          if (bounceIn == null) bounceIn = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
          bounceIn.clear();
          n = C.read(fd, bounceIn, Math.min(buf.remaining(), bounceIn.capacity()));
          if (n > 0) buf.put(pos, bounceIn, 0, (int) n);
        }
        if (n >= 0) {
          buf.position(pos + (int) n);
          return (int) n;
        }
        int err = LibC.errno();
        if (err == LibC.EAGAIN || err == LibC.EINTR) {
          if (!wait) return Plug.AGAIN;
          if (!await()) return Plug.CLOSED;
        } else if (err == LibC.EBADFD || err == LibC.ENODEV || err == LibC.EBADF) {
          gone = true;
          return Plug.CLOSED;
        } else {
          throw error("read " + name, err);
        }
      }
    } finally {
      life.leaveReceive();
    }
  }

  /** Waits for the tap to be readable; false when closed or the interface is gone. */
  private boolean await() throws IOException {
    int mask = life.awaitReadable(fd);
    if ((mask & FdPlugLifecycle.WOKEN) != 0) return false;
    if ((life.revents(0) & (LibC.POLLERR | LibC.POLLHUP | LibC.POLLNVAL)) != 0) {
      gone = true;
      return false;
    }
    return true;
  }

  /**
   * Writes one frame: the bytes between {@code buf}'s position and limit; the position is advanced
   * to the limit.
   *
   * @return the bytes written, or 0 when the frame was dropped (link down: EIO; queue full: EAGAIN)
   * @throws IOException when the device is closed or the interface is gone (EBADFD), or another
   *     error
   */
  public int write(ByteBuffer buf) throws IOException {
    if (offloads != 0) throw new IllegalStateException("tap " + name + " has vnet headers");
    return writeFrame(buf);
  }

  /**
   * Writes one frame on a tap opened with offloads: {@code info} is encoded as a {@code
   * virtio_net_hdr} into the {@link GsoInfo#VNET_HDR_LEN} bytes before {@code buf}'s position
   * (which must be free; a heap buffer or one without the room is copied) and written with the
   * frame in one write(2); the position is advanced to the limit. A GSO frame is one the kernel
   * takes as a coalesced (GRO) packet.
   *
   * @return as {@link #write} (without the header)
   */
  public int writeVnet(ByteBuffer buf, GsoInfo info) throws IOException {
    int pos = buf.position();
    int end = buf.limit();
    if (!buf.isDirect() || pos < GsoInfo.VNET_HDR_LEN) {
      bounceOut();
      int len = Math.min(buf.remaining(), bounceOut.capacity() - GsoInfo.VNET_HDR_LEN);
      bounceOut.clear();
      bounceOut.put(GsoInfo.VNET_HDR_LEN, buf, pos, len);
      bounceOut.position(GsoInfo.VNET_HDR_LEN).limit(GsoInfo.VNET_HDR_LEN + len);
      buf.position(end);
      return writeVnet(bounceOut, info);
    }
    info.write(buf, pos - GsoInfo.VNET_HDR_LEN);
    buf.position(pos - GsoInfo.VNET_HDR_LEN);
    int n = writeFrame(buf);
    buf.position(end);
    return n > 0 ? n - GsoInfo.VNET_HDR_LEN : n;
  }

  private void bounceOut() {
    if (bounceOut == null)
      bounceOut = ByteBuffer.allocateDirect(Plug.MAX_FRAME + GsoInfo.VNET_HDR_LEN);
  }

  private int writeFrame(ByteBuffer buf) throws IOException {
    life.enter();
    try {
      if (gone) throw new IOException("tap " + name + " is gone");
      int len = buf.remaining();
      long n;
      if (buf.isDirect()) {
        n = C.write(fd, buf, len);
      } else {
        bounceOut();
        bounceOut.clear();
        bounceOut.put(
            bounceOut.position(), buf, buf.position(), Math.min(len, bounceOut.capacity()));
        n = C.write(fd, bounceOut, Math.min(len, bounceOut.capacity()));
      }
      buf.position(buf.limit());
      if (n >= 0) return (int) n;
      int err = LibC.errno();
      if (err == LibC.EIO || err == LibC.EAGAIN || err == LibC.EINTR || err == LibC.EINVAL) {
        refused(err);
        return 0;
      }
      if (err == LibC.EBADFD || err == LibC.ENODEV || err == LibC.EBADF) {
        gone = true;
        throw new IOException("tap " + name + " is gone (" + LibC.message(err) + ")");
      }
      throw error("write " + name, err);
    } finally {
      life.leave();
    }
  }

  /**
   * A write the kernel refused (the frame is dropped and counted by the plug): logged with its
   * errno, at most once a minute per tap with the number refused since the last line.
   */
  private void refused(int err) {
    refusedSinceLog++;
    long now = System.nanoTime();
    if (lastRefusalLog != 0 && now - lastRefusalLog < 60_000_000_000L) return;
    LOG.warn(
        "tap "
            + name
            + ": the kernel refused "
            + refusedSinceLog
            + " frame(s) since the last such line, the last with "
            + LibC.message(err)
            + " (dropped, counted in the port's plug drops)");
    lastRefusalLog = now;
    refusedSinceLog = 0;
  }

  /**
   * Stops reading without closing the fd ({@link FdPlugLifecycle#shutdownReceive}): a blocked
   * {@link #read} returns {@link Plug#CLOSED}, later ones too; writes go on. Frames that arrive
   * from now on stay queued in the tap for another holder of the fd. Idempotent, any thread.
   */
  public void shutdownRead() {
    life.shutdownReceive();
  }

  /** Whether the interface disappeared under this device (deleted, or its netns deleted). */
  public boolean gone() {
    return gone;
  }

  /**
   * Closes the fd (a non-persistent tap disappears); a blocked {@link #read} returns {@link
   * Plug#CLOSED}, and close returns after it has left. Idempotent; callable from any thread.
   */
  @Override
  public void close() {
    try {
      life.close(() -> C.close(fd));
    } catch (IOException e) {
      throw new IllegalStateException(e); // C.close never throws
    }
  }

  private static byte[] truncate(String name) {
    byte[] b = name.getBytes(StandardCharsets.UTF_8);
    return b.length <= MAX_NAME ? b : java.util.Arrays.copyOf(b, MAX_NAME);
  }

  private static IOException error(String what, int errno) {
    return new IOException(what + ": " + LibC.message(errno) + " (errno " + errno + ")");
  }

  @Override
  public String toString() {
    return "tap " + name;
  }
}
