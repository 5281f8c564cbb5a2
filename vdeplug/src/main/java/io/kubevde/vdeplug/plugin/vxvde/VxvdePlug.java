package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.Macs;
import io.kubevde.vdeplug.plugin.overlay.OverlayNet;
import io.kubevde.vdeplug.plugin.overlay.SelfEcho;
import io.kubevde.vdeplug.plugin.overlay.UdpSocket;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vxvde node (vde-protocols.md §4.4): a distributed switch over UDP multicast, wire-compatible
 * with vdeplug4's {@code libvdeplug_vxvde}, plus a unicast mode.
 *
 * <p>Sockets: the <em>group</em> socket (M) is bound to GROUP:PORT with SO_REUSEADDR and joined to
 * GROUP on the chosen interface, so several nodes on one host all receive the group; the
 * <em>unicast</em> socket (U) is bound to an ephemeral port (on {@code bind=} if given) and sends
 * everything. Broadcast, multicast and unknown-destination frames go to GROUP:PORT; a frame to a
 * learned MAC goes straight to the peer's U socket. In unicast mode ({@code peers=}) the node has
 * one socket, listening on PORT (on {@code bind=} or the wildcard address), which both receives and
 * sends: broadcast/unknown frames are sent once to each peer's PORT (a peer that is this very
 * socket is skipped), and every datagram leaves from PORT, so a peer is known by exactly the
 * address in the peer list.
 *
 * <p>Senders ({@link SenderFilter}, a kubevde extension): in unicast mode only datagrams whose
 * source IP and port is a configured peer are looked at; with {@code allow=} only sources inside
 * those prefixes. The check runs on the raw source address of each datagram before its header is
 * read or anything is learned; a refused datagram is counted ({@link #vxvdeStats()}) and skipped
 * without returning from {@link #receive}. Multicast mode without {@code allow=} accepts every
 * sender, like vdeplug4.
 *
 * <p>Differences from vdeplug4, on purpose (§12.4): frames of exactly 14 bytes are accepted; {@code
 * rcvbuf} applies to both sockets; the IPv4 unicast TTL stays at the system default (vdeplug4 sets
 * it to the multicast TTL, 1, which breaks unicast across routers); the learning table is a real
 * hash map; the {@code if} interface must exist (vdeplug4 silently uses "any").
 *
 * <p>I/O: both sockets are driven through libc ({@link UdpSocket}): the receiver takes up to
 * {@value UdpSocket#BATCH} datagrams per {@code recvmmsg} call and hands them out one frame per
 * {@link #receive}; it waits with {@code poll} on both sockets and the eventfd of an {@link
 * FdPlugLifecycle}, so {@link #close} wakes it at once (and returns after it has left). Sends are
 * blocking {@code sendto} calls (a full socket buffer slows the sender rather than dropping);
 * frames shorter than 14 or longer than {@link #MAX_FRAME} bytes are dropped (counted); sends after
 * close throw {@link io.kubevde.vdeplug.PlugClosedException} "vxvde plug closed".
 *
 * <p>Threads: one receiver and any number of senders (sends are serialised). The hot path allocates
 * nothing.
 */
public final class VxvdePlug implements Plug {
  private static final Logger LOG = LoggerFactory.getLogger(VxvdePlug.class);

  /** Batches in a row taken from one socket before the other is looked at first. */
  private static final int FAIRNESS = 64;

  /**
   * Receive buffer of the unicast socket when {@code rcvbuf} is not given: 4 MiB (bytes of kernel
   * memory, so about 5000 small datagrams), so that a receiver descheduled for a few ms under load
   * loses nothing; vdeplug4 keeps the system default (~208 KiB).
   */
  static final int DEFAULT_UNICAST_RCVBUF = 4 << 20;

  private static final int DATAGRAM = VxlanHeader.LENGTH + Plug.MAX_FRAME + 1;

  private final VxvdeConfig config;
  private final UdpSocket group;
  private final UdpSocket unicast;
  private final InetSocketAddress unicastAddress;
  private final FdPlugLifecycle life;
  private final InetSocketAddress[] floodTargets;
  private final MacTable table;
  private final PlugStats stats = new PlugStats();
  private final VxvdeCounters counters = new VxvdeCounters();
  private final SenderFilter filter;
  private final SelfEcho selfEcho;
  private final VxvdeReceivePath receivePath;
  private final ByteBuffer sbuf = ByteBuffer.allocateDirect(VxlanHeader.LENGTH + Plug.MAX_FRAME);
  private final ReentrantLock sendLock = new ReentrantLock();
  private UdpSocket batchSocket;
  private int batchCount;
  private int batchNext;
  private boolean lastFromGroup;
  private int streak;

  private VxvdePlug(
      VxvdeConfig config,
      UdpSocket group,
      UdpSocket unicast,
      InetSocketAddress unicastAddress,
      FdPlugLifecycle life,
      InetSocketAddress[] floodTargets,
      SelfEcho selfEcho) {
    this.config = config;
    this.group = group;
    this.unicast = unicast;
    this.unicastAddress = unicastAddress;
    this.life = life;
    this.floodTargets = floodTargets;
    this.table = new MacTable(config.hashsize(), config.expireMillis());
    this.filter = SenderFilter.of(config);
    this.selfEcho = selfEcho;
    this.receivePath =
        new VxvdeReceivePath(
            config.header(), table, stats, counters, selfEcho, System::currentTimeMillis);
    config.header().write(sbuf);
  }

  /**
   * Opens the sockets of a node.
   *
   * @throws IOException when the group has no route/interface, a port is in use (unicast mode), or
   *     a socket option is refused; the message says which
   */
  public static VxvdePlug open(VxvdeConfig c) throws IOException {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      NetworkInterface iface = null;
      UdpSocket g = UdpSocket.open(c.family(), DATAGRAM);
      opened.add(g);
      if (c.rcvbuf() > 0) g.receiveBuffer((int) c.rcvbuf());
      if (c.unicastMode()) {
        try {
          g.bind(c.bind(), c.port());
        } catch (IOException e) {
          throw new IOException(
              "cannot listen on port " + c.port() + " (unicast mode): " + e.getMessage(), e);
        }
        if (c.rcvbuf() <= 0) g.receiveBufferAtLeast(DEFAULT_UNICAST_RCVBUF);
      } else {
        iface = OverlayNet.multicastInterface(c.group(), c.ifName());
        g.reuseAddress();
        g.bind(c.group(), c.port());
        g.join(c.group(), iface.getIndex());
      }
      UdpSocket u;
      if (c.unicastMode()) {
        u = g; // one socket: datagrams leave from PORT, the address peers know us by
      } else {
        u = UdpSocket.open(c.family(), DATAGRAM);
        opened.add(u);
        if (c.rcvbuf() > 0) u.receiveBuffer((int) c.rcvbuf());
        else u.receiveBufferAtLeast(DEFAULT_UNICAST_RCVBUF);
        u.bind(c.bind(), 0);
        u.multicastTtl(c.ttl());
        u.multicastLoop(true);
        if (iface != null) u.multicastInterface(iface.getIndex());
      }
      InetSocketAddress local = u.localAddress();
      FdPlugLifecycle life = FdPlugLifecycle.withEventFd("vxvde plug", Plug.MAX_FRAME);
      opened.add(() -> life.close(null));
      SelfEcho selfEcho = new SelfEcho(local.getPort());
      InetSocketAddress[] targets = targets(c, selfEcho);
      return new VxvdePlug(c, g, u, local, life, targets, selfEcho);
    } catch (IOException | RuntimeException e) {
      for (AutoCloseable a : opened) {
        try {
          a.close();
        } catch (Exception ignored) {
          // best effort
        }
      }
      throw e;
    }
  }

  /**
   * Builds a node around sockets another process opened for the same {@code c} (received over
   * {@code SCM_RIGHTS}; agent hand-over): no bind, no join, so no datagram is refused meanwhile.
   * This plug owns the fds from now on.
   *
   * @param groupFd the group socket ({@link #socketFds()}[0])
   * @param unicastFd the unicast socket ({@link #socketFds()}[1]; equal to {@code groupFd} in
   *     unicast mode)
   * @throws IOException when the sockets' addresses cannot be read (not bound UDP sockets)
   */
  public static VxvdePlug adopt(VxvdeConfig c, int groupFd, int unicastFd) throws IOException {
    boolean v6 = c.family() == java.net.StandardProtocolFamily.INET6;
    UdpSocket g = UdpSocket.adopt(groupFd, v6, DATAGRAM);
    UdpSocket u = unicastFd == groupFd ? g : UdpSocket.adopt(unicastFd, v6, DATAGRAM);
    try {
      InetSocketAddress local = u.localAddress();
      FdPlugLifecycle life = FdPlugLifecycle.withEventFd("vxvde plug", Plug.MAX_FRAME);
      SelfEcho selfEcho = new SelfEcho(local.getPort());
      return new VxvdePlug(c, g, u, local, life, targets(c, selfEcho), selfEcho);
    } catch (IOException | RuntimeException e) {
      g.close();
      u.close();
      throw e;
    }
  }

  private static InetSocketAddress[] targets(VxvdeConfig c, SelfEcho selfEcho) {
    if (!c.unicastMode())
      return new InetSocketAddress[] {new InetSocketAddress(c.group(), c.port())};
    List<InetSocketAddress> t = new ArrayList<>();
    for (InetSocketAddress p : c.peers()) {
      boolean self =
          p.getPort() == c.port()
              && selfEcho.isLocal(p.getAddress())
              && (c.bind() == null || c.bind().equals(p.getAddress()));
      if (!self) t.add(p);
    }
    return t.toArray(InetSocketAddress[]::new);
  }

  /**
   * The fds of the group socket and of the unicast socket (the same in unicast mode), to hand them
   * to another process ({@link #adopt}); do not close them.
   */
  public int[] socketFds() {
    return new int[] {group.fd(), unicast.fd()};
  }

  /** The configuration this node runs with. */
  public VxvdeConfig config() {
    return config;
  }

  /**
   * The local address of the socket this node sends from (its port is what peers learn): an
   * ephemeral port in multicast mode, PORT in unicast mode.
   */
  public InetSocketAddress unicastAddress() {
    return unicastAddress;
  }

  /** Where broadcast/unknown frames go: the group, or the peers (without this node itself). */
  public List<InetSocketAddress> floodTargets() {
    return List.of(floodTargets);
  }

  /** The learning table (for diagnostics and tests). */
  public MacTable table() {
    return table;
  }

  /** The sender check of this node (peers and {@code allow=} prefixes). */
  public SenderFilter senderFilter() {
    return filter;
  }

  /**
   * A snapshot of this node's counters: the {@link PlugStats} values plus received datagrams
   * dropped by reason (not a peer, sender not allowed, bad header, wrong VNI, bad length,
   * self-echo) and goodbyes. Any thread; allocates one record.
   */
  public VxvdeStats vxvdeStats() {
    return counters.snapshot(stats);
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    try {
      sendLock.lock();
      try {
        sbuf.clear().position(VxlanHeader.LENGTH);
        sbuf.put(frame);
        sbuf.flip();
        long dst = Macs.destination(sbuf, VxlanHeader.LENGTH);
        InetSocketAddress to =
            Macs.isGroup(dst)
                ? null
                : table.lookup(
                    MacTable.key(dst, VxvdeReceivePath.VLAN), System.currentTimeMillis());
        if (to != null) {
          transmit(to);
        } else {
          for (InetSocketAddress t : floodTargets) transmit(t);
        }
        stats.sent(n);
      } finally {
        sendLock.unlock();
      }
    } finally {
      life.leave();
    }
  }

  private void transmit(InetSocketAddress to) {
    long r = unicast.sendTo(sbuf, to);
    if (r < 0) {
      // transient (no route, unreachable, buffer): the frame is lost, as a switch would lose it
      stats.dropped();
      if (LOG.isDebugEnabled()) LOG.debug("vxvde send to " + to + ": " + LibC.message((int) -r));
    }
  }

  /**
   * Returns the next frame: from the current batch if one is pending, else from a new {@code
   * recvmmsg} batch of the socket that delivered last (the other socket is looked at first at least
   * every {@value #FAIRNESS} batches, and whenever the preferred one is empty), else waits in poll.
   */
  @Override
  public int receive(ByteBuffer frame) throws IOException {
    if (!life.enterReceive()) return CLOSED;
    try {
      while (!life.isClosed()) {
        if (batchNext < batchCount) {
          int i = batchNext++;
          UdpSocket s = batchSocket;
          SenderFilter.Verdict v = filter.verdict(s, i);
          if (v != SenderFilter.Verdict.ACCEPT) {
            refused(s, i, v);
            continue;
          }
          if (s.truncated(i)) {
            stats.malformed();
            counters.badLength.increment();
            return NO_FRAME;
          }
          // self-echo is a multicast matter: in unicast mode nothing is sent to this socket's own
          // address,
          // and another node on this host may use the same PORT on another address
          return receivePath.accept(
              s.data(i), s.length(i), s.sender(i), s == group && group != unicast, frame);
        }
        if (group == unicast) {
          if (fill(group)) continue;
          if ((life.awaitReadable(group.fd()) & FdPlugLifecycle.WOKEN) != 0) return CLOSED;
          continue;
        }
        boolean groupFirst = lastFromGroup;
        if (++streak >= FAIRNESS) {
          streak = 0;
          groupFirst = !groupFirst;
        }
        if (fill(groupFirst ? group : unicast) || fill(groupFirst ? unicast : group)) {
          if ((batchSocket == group) != lastFromGroup) streak = 0;
          lastFromGroup = batchSocket == group;
          continue;
        }
        if ((life.awaitReadable(group.fd(), unicast.fd()) & FdPlugLifecycle.WOKEN) != 0)
          return CLOSED;
      }
      return CLOSED;
    } finally {
      life.leaveReceive();
    }
  }

  /**
   * Counts a datagram refused by the sender check: our own multicast looped back (from our sending
   * port and one of this host's addresses) counts as self-echo even when {@code allow=} does not
   * cover this host.
   */
  private void refused(UdpSocket s, int i, SenderFilter.Verdict v) {
    if (s == group && group != unicast && s.senderPort(i) == unicastAddress.getPort()) {
      InetSocketAddress from = s.sender(i);
      if (from != null && selfEcho.isSelf(from)) {
        counters.selfEcho.increment();
        return;
      }
    }
    counters.refused(v);
  }

  private boolean fill(UdpSocket s) throws IOException {
    int n = s.receiveBatch();
    if (n == 0) return false;
    batchSocket = s;
    batchCount = n;
    batchNext = 0;
    return true;
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Wakes a blocked receiver, waits until it and any sender have left, sends the goodbye datagram
   * (the 8 header bytes, to the group or every peer), then closes the sockets. Idempotent, any
   * thread.
   */
  @Override
  public void close() throws IOException {
    life.close(
        () -> {
          ByteBuffer bye = ByteBuffer.allocateDirect(VxlanHeader.LENGTH);
          config.header().write(bye);
          bye.flip();
          for (InetSocketAddress t : floodTargets) unicast.sendTo(bye, t);
          group.close();
          unicast.close();
        });
  }

  @Override
  public String toString() {
    return "vxvde "
        + (config.unicastMode() ? "peers=" + config.peers() : config.group().getHostAddress())
        + ":"
        + config.port()
        + " vni "
        + config.vni();
  }
}
