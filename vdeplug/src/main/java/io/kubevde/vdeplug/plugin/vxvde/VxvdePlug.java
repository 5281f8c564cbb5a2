package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.offload.FrameCoalescer;
import io.kubevde.vdeplug.offload.Segmenter;
import io.kubevde.vdeplug.offload.TcpCoalescer;
import io.kubevde.vdeplug.offload.UdpCoalescer;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.Macs;
import io.kubevde.vdeplug.plugin.overlay.OverlayNet;
import io.kubevde.vdeplug.plugin.overlay.SelfEcho;
import io.kubevde.vdeplug.plugin.overlay.SendBatch;
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
 * {@link #receive} (or {@link #receiveNow}, which never waits); it waits with {@code poll} on both
 * sockets and the eventfd of an {@link FdPlugLifecycle}, so {@link #close} wakes it at once (and
 * returns after it has left). Sends are blocking (a full socket buffer slows the sender rather than
 * dropping): {@link #send} is one {@code sendto} per frame and destination; {@link #sendLater}
 * queues the frame in a {@link SendBatch} and {@link #flush} sends the batch with one {@code
 * sendmmsg} (issue 14; with {@code offload}, runs of equal-sized frames to one unicast destination
 * go as one {@code UDP_SEGMENT} message each), the datagrams on the wire being the same; frames
 * shorter than 14 or longer than {@link #MAX_FRAME} bytes are dropped (counted); sends after close
 * throw {@link io.kubevde.vdeplug.PlugClosedException} "vxvde plug closed".
 *
 * <p>Threads: one receiver and any number of senders (sends are serialised). The hot path allocates
 * nothing.
 */
public final class VxvdePlug implements OffloadPlug {
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

  /** Slot size with {@code offload}: a whole {@code UDP_GRO} read. */
  private static final int GRO_DATAGRAM = 65536;

  private final VxvdeConfig config;
  private final UdpSocket group;
  private final UdpSocket unicast;
  private final InetSocketAddress unicastAddress;
  private final FdPlugLifecycle life;
  private volatile boolean handedOff;
  private final InetSocketAddress[] floodTargets;
  private final MacTable table;
  private final PlugStats stats = new PlugStats();
  private final VxvdeCounters counters = new VxvdeCounters();
  private final SenderFilter filter;
  private final SelfEcho selfEcho;
  private final VxvdeReceivePath receivePath;
  private final ByteBuffer sbuf = ByteBuffer.allocateDirect(VxlanHeader.LENGTH + Plug.MAX_FRAME);
  private final ReentrantLock sendLock = new ReentrantLock();
  private final SendBatch batch;
  private UdpSocket batchSocket;
  private int batchCount;
  private int batchNext;
  private boolean lastFromGroup;
  private int streak;
  // the slot being split into the datagrams UDP_GRO coalesced (offload mode)
  private boolean inSlot;
  private int slotIndex;
  private int unitOff;
  private int slotLen;
  private int slotSeg;
  // the slot of the last datagram delivered (for coalescing its followers)
  private int lastSlot;
  // offload mode
  private final Segmenter segmenter;
  private final TcpCoalescer coalescer;
  private final UdpCoalescer udpCoalescer;
  private volatile boolean coalesceUdp;
  private final ByteBuffer gsoBuf;
  private boolean udpGsoWorks = true;

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
    this.batch =
        new SendBatch(
            unicast,
            config.header().asLong(),
            floodTargets,
            stats,
            counters.sendCalls,
            config.offload());
    if (config.offload()) {
      segmenter = new Segmenter();
      coalescer = new TcpCoalescer();
      udpCoalescer = new UdpCoalescer();
      gsoBuf = ByteBuffer.allocateDirect(MAX_SUPER_FRAME + Segmenter.MAX_SEGMENTS * 256);
    } else {
      segmenter = null;
      coalescer = null;
      udpCoalescer = null;
      gsoBuf = null;
    }
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
      int slot = c.offload() ? GRO_DATAGRAM : DATAGRAM;
      UdpSocket g = UdpSocket.open(c.family(), slot);
      opened.add(g);
      if (c.offload()) g.enableGro();
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
        u = UdpSocket.open(c.family(), slot);
        opened.add(u);
        if (c.offload()) u.enableGro();
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
   * This plug owns the fds from now on. {@code UDP_GRO} is turned on or off as {@code c.offload()}
   * says, whatever the other process did (an agent upgrade may change it).
   *
   * @param groupFd the group socket ({@link #socketFds()}[0])
   * @param unicastFd the unicast socket ({@link #socketFds()}[1]; equal to {@code groupFd} in
   *     unicast mode)
   * @throws IOException when the sockets' addresses cannot be read (not bound UDP sockets)
   */
  public static VxvdePlug adopt(VxvdeConfig c, int groupFd, int unicastFd) throws IOException {
    boolean v6 = c.family() == java.net.StandardProtocolFamily.INET6;
    int slot = c.offload() ? GRO_DATAGRAM : DATAGRAM;
    UdpSocket g = UdpSocket.adopt(groupFd, v6, slot);
    UdpSocket u = unicastFd == groupFd ? g : UdpSocket.adopt(unicastFd, v6, slot);
    try {
      // UDP_GRO is a socket option: the other process may have opened them with or without it
      for (UdpSocket s : u == g ? new UdpSocket[] {g} : new UdpSocket[] {g, u}) {
        if (c.offload()) s.enableGro();
        else s.disableGro();
      }
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
        if (batch.pending() > 0) batch.flush();
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

  /**
   * Queues a copy of the frame (same checks and counters as {@link #send}; the destination is
   * looked up now) in a {@link SendBatch}; {@link #flush} sends the batch with one {@code sendmmsg}
   * (with {@code offload}: runs of equal-sized frames to one peer as {@code UDP_SEGMENT} messages).
   * The datagrams on the wire are the ones {@link #send} would give.
   */
  @Override
  public void sendLater(ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    try {
      sendLock.lock();
      try {
        long dst = Macs.destination(frame, frame.position());
        InetSocketAddress to =
            Macs.isGroup(dst)
                ? null
                : table.lookup(
                    MacTable.key(dst, VxvdeReceivePath.VLAN), System.currentTimeMillis());
        batch.add(frame, to);
        frame.position(frame.limit());
        stats.sent(n);
      } finally {
        sendLock.unlock();
      }
    } finally {
      life.leave();
    }
  }

  /** Sends the frames queued by {@link #sendLater}. */
  @Override
  public void flush() throws IOException {
    life.enter();
    try {
      sendLock.lock();
      try {
        if (batch.pending() > 0) batch.flush();
      } finally {
        sendLock.unlock();
      }
    } finally {
      life.leave();
    }
  }

  /**
   * As {@link #sendOffload}, but an ordinary frame (its checksum completed if {@code info} asks) is
   * queued as by {@link #sendLater}; a super-frame sends what is queued first.
   */
  @Override
  public void sendOffloadLater(ByteBuffer frame, GsoInfo info) throws IOException {
    if (!config.offload()) throw new IllegalStateException(this + " was opened without offload");
    if (info.isGso()) {
      sendOffload(frame, info);
      return;
    }
    if (!segmenter.completeChecksum(frame, frame.position(), frame.remaining(), info)) {
      frame.position(frame.limit());
      stats.malformed();
      return;
    }
    sendLater(frame);
  }

  private void transmit(InetSocketAddress to) {
    long r = unicast.sendTo(sbuf, to);
    counters.sendCalls.increment();
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
    return receive(frame, true);
  }

  /**
   * As {@link #receive}, but returns {@link #AGAIN} where it would wait in poll: the next frame of
   * the current {@code recvmmsg} batch, else of a new batch if one is queued in either socket.
   */
  @Override
  public int receiveNow(ByteBuffer frame) throws IOException {
    return receive(frame, false);
  }

  private int receive(ByteBuffer frame, boolean wait) throws IOException {
    if (!life.enterReceive()) return CLOSED;
    try {
      while (!life.isClosed()) {
        if (inSlot) {
          UdpSocket s = batchSocket;
          int i = slotIndex;
          int off = unitOff;
          int len = Math.min(slotSeg, slotLen - off);
          unitOff += len;
          if (unitOff >= slotLen) inSlot = false;
          lastSlot = i;
          return receivePath.accept(
              s.data(i), off, len, s.sender(i), s == group && group != unicast, frame);
        }
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
          int seg = s.gsoSize(i);
          int len = s.length(i);
          if (seg > 0 && seg < len) {
            // several datagrams of one sender coalesced by UDP_GRO: hand them out one by one
            inSlot = true;
            slotIndex = i;
            unitOff = 0;
            slotLen = len;
            slotSeg = seg;
            continue;
          }
          lastSlot = i;
          // self-echo is a multicast matter: in unicast mode nothing is sent to this socket's own
          // address,
          // and another node on this host may use the same PORT on another address
          return receivePath.accept(
              s.data(i), len, s.sender(i), s == group && group != unicast, frame);
        }
        if (life.isReceiveShut()) return CLOSED; // the batch is handed out; read no more
        if (group == unicast) {
          if (fill(group)) continue;
          if (!wait) return AGAIN;
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
        if (!wait) return AGAIN;
        if ((life.awaitReadable(group.fd(), unicast.fd()) & FdPlugLifecycle.WOKEN) != 0)
          return CLOSED;
      }
      return CLOSED;
    } finally {
      life.leaveReceive();
    }
  }

  @Override
  public boolean offloadEnabled() {
    return config.offload();
  }

  /**
   * Receives the next frame as {@link #receive} does, then appends to it every following datagram
   * of the same read batch from the same sender that continues the same TCP stream under the
   * kernel's GRO rules ({@link TcpCoalescer}; UDP datagrams with {@link UdpCoalescer} when the peer
   * {@linkplain #peerTakesUdpSuperFrames takes UDP super-frames}); a run of two or more becomes one
   * super-frame marked for the tap in {@code info}. Datagrams that do not continue the run stay for
   * the next call.
   */
  @Override
  public int receiveOffload(ByteBuffer frame, GsoInfo info) throws IOException {
    return receiveOffload(frame, info, true);
  }

  /** As {@link #receiveOffload}, but returns {@link #AGAIN} where it would wait. */
  @Override
  public int receiveOffloadNow(ByteBuffer frame, GsoInfo info) throws IOException {
    return receiveOffload(frame, info, false);
  }

  private int receiveOffload(ByteBuffer frame, GsoInfo info, boolean wait) throws IOException {
    if (!config.offload()) throw new IllegalStateException(this + " was opened without offload");
    info.clear();
    int pos = frame.position();
    int n = receive(frame, wait);
    if (n < MIN_FRAME) return n;
    FrameCoalescer co = coalescer;
    if (!co.start(frame, pos, n, frame.limit())) {
      co = udpCoalescer;
      if (!coalesceUdp || !co.start(frame, pos, n, frame.limit())) return n;
    }
    UdpSocket s = batchSocket;
    int first = lastSlot;
    while (true) {
      int i;
      int off;
      int len;
      boolean fresh;
      if (inSlot) {
        i = slotIndex;
        off = unitOff;
        len = Math.min(slotSeg, slotLen - off);
        fresh = false;
      } else if (batchNext < batchCount) {
        i = batchNext;
        if (s.truncated(i) || !sameSender(s, i, first)) break;
        len = s.length(i);
        int seg = s.gsoSize(i);
        if (seg > 0 && seg < len) len = seg;
        off = 0;
        fresh = true;
      } else {
        break;
      }
      if (i != first && !sameSender(s, i, first)) break;
      if (len <= VxlanHeader.LENGTH || !config.header().matchesExactly(s.data(i), off)) break;
      ByteBuffer d = s.data(i);
      if (!co.append(d, off + VxlanHeader.LENGTH, len - VxlanHeader.LENGTH)) break;
      stats.received(len - VxlanHeader.LENGTH);
      if (fresh) {
        batchNext++;
        int whole = s.length(i);
        if (len < whole) {
          inSlot = true;
          slotIndex = i;
          slotLen = whole;
          slotSeg = len;
          unitOff = len;
        }
      } else {
        unitOff += len;
        if (unitOff >= slotLen) inSlot = false;
      }
      lastSlot = i;
    }
    int total = co.finish(info);
    frame.position(pos + total);
    return total;
  }

  /**
   * UDP runs are merged ({@link UdpCoalescer}) only with {@code offload=udp} and for a peer that
   * takes UDP super-frames.
   */
  @Override
  public void peerTakesUdpSuperFrames(boolean yes) {
    coalesceUdp = yes && config.offload() && config.offloadUdp();
  }

  private static boolean sameSender(UdpSocket s, int i, int j) {
    return s.senderFamily(i) == s.senderFamily(j)
        && s.senderPort(i) == s.senderPort(j)
        && s.senderAddressLow(i) == s.senderAddressLow(j)
        && s.senderAddressHigh(i) == s.senderAddressHigh(j);
  }

  /**
   * Sends a frame that may be a super-frame: an ordinary one (its checksum completed if {@code
   * info} asks) as {@link #send} does; a super-frame cut into MTU-sized frames with complete
   * checksums ({@link Segmenter}), each a complete vxvde datagram, sent to the learned peer (or
   * flooded) with one {@code UDP_SEGMENT} {@code sendmsg} per 64 datagrams ({@code sendmmsg} where
   * the kernel refuses UDP GSO). Malformed super-frames are dropped and counted.
   */
  @Override
  public void sendOffload(ByteBuffer frame, GsoInfo info) throws IOException {
    if (!config.offload()) throw new IllegalStateException(this + " was opened without offload");
    if (!info.isGso()) {
      if (!segmenter.completeChecksum(frame, frame.position(), frame.remaining(), info)) {
        frame.position(frame.limit());
        stats.malformed();
        return;
      }
      send(frame);
      return;
    }
    life.ensureOpen();
    life.enter();
    try {
      sendLock.lock();
      try {
        if (batch.pending() > 0) batch.flush();
        int pos = frame.position();
        int len = frame.remaining();
        frame.position(frame.limit());
        int count = segmenter.segment(frame, pos, len, info, gsoBuf, 0, VxlanHeader.LENGTH);
        if (count < 0) {
          stats.malformed();
          return;
        }
        int stride = segmenter.stride();
        long hdr = config.header().asLong();
        for (int k = 0; k < count; k++) gsoBuf.putLong(k * stride, hdr);
        long dst = Macs.destination(gsoBuf, VxlanHeader.LENGTH);
        InetSocketAddress to =
            Macs.isGroup(dst)
                ? null
                : table.lookup(
                    MacTable.key(dst, VxvdeReceivePath.VLAN), System.currentTimeMillis());
        if (to != null) {
          transmitSegments(to, count, stride);
        } else {
          for (InetSocketAddress t : floodTargets) transmitSegments(t, count, stride);
        }
        for (int k = 0; k < count - 1; k++) stats.sent(segmenter.segmentLength());
        stats.sent(segmenter.lastLength());
      } finally {
        sendLock.unlock();
      }
    } finally {
      life.leave();
    }
  }

  private void transmitSegments(InetSocketAddress to, int count, int stride) {
    int per = Math.max(1, Math.min(UdpSocket.MAX_SEGMENTS, UdpSocket.MAX_GSO_BYTES / stride));
    int last = VxlanHeader.LENGTH + segmenter.lastLength();
    for (int first = 0; first < count; first += per) {
      int k = Math.min(per, count - first);
      boolean ends = first + k == count;
      int lastLen = ends ? last : stride;
      int off = first * stride;
      long r;
      counters.sendCalls.increment();
      if (k == 1) {
        r = unicast.sendTo(gsoBuf, off, lastLen, to);
      } else {
        r = -LibC.EIO;
        boolean tried = false;
        if (udpGsoWorks) {
          tried = true;
          r = unicast.sendSegmented(gsoBuf, off, (k - 1) * stride + lastLen, stride, to);
          if (r == -LibC.EIO) {
            udpGsoWorks = false;
            LOG.info("vxvde: UDP_SEGMENT refused (EIO): sending with sendmmsg from now on");
          }
        }
        if (r < 0 && (r == -LibC.EIO || r == -LibC.EINVAL)) {
          if (tried) counters.sendCalls.increment();
          r = unicast.sendEach(gsoBuf, off, stride, k, lastLen, to);
        }
      }
      if (r < 0) {
        stats.dropped();
        if (LOG.isDebugEnabled()) LOG.debug("vxvde send to " + to + ": " + LibC.message((int) -r));
      }
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
   * Stops receiving ({@link FdPlugLifecycle#shutdownReceive}): the frames of the current {@code
   * recvmmsg} batch are still handed out, then {@link #receive} returns {@link #CLOSED}; nothing
   * more is read from the sockets (datagrams stay in their buffers for another holder of the fds);
   * sends go on.
   */
  @Override
  public boolean shutdownReceive() {
    handedOff = true;
    life.shutdownReceive();
    return true;
  }

  /**
   * Wakes a blocked receiver, waits until it and any sender have left, sends the goodbye datagram
   * (the 8 header bytes, to the group or every peer), then closes the sockets. Idempotent, any
   * thread. After {@link #shutdownReceive} no goodbye is sent: the sockets live on in whoever reads
   * them next (an agent hand-over), and the peers' tables stay right.
   */
  @Override
  public void close() throws IOException {
    life.close(
        () -> {
          if (handedOff) {
            group.close();
            unicast.close();
            return;
          }
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
