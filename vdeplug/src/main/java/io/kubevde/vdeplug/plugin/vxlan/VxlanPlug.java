package io.kubevde.vdeplug.plugin.vxlan;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.Macs;
import io.kubevde.vdeplug.plugin.overlay.OverlayNet;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VXLAN endpoint (RFC 7348; vde-protocols.md §4.3), interoperating with vdeplug4's {@code
 * vxlan://} and the Linux kernel's {@code ip link add … type vxlan}.
 *
 * <p>One UDP socket bound to the wildcard address and PORT, joined to GROUP; multicast TTL/hops =
 * {@code ttl}; the unicast TTL stays at the system default. <b>Multicast loop is off</b>, as in
 * vdeplug4: a VXLAN endpoint must not hear its own floods, and unlike vxvde there is no self-echo
 * rule. <b>No SO_REUSEADDR</b>, as in vdeplug4: peers send unicast to IP:PORT, and with several
 * sockets sharing PORT the kernel would hand each unicast datagram to only one of them; so one
 * vxlan plug per address family, host and port, and a second one fails "address in use" instead of
 * silently losing half the traffic.
 *
 * <p>Send: broadcast/multicast/unknown destination → GROUP:PORT, learned MAC → its sender's IP at
 * PORT. Receive: see {@link VxlanReceivePath}. Blocking socket (a full socket buffer slows the
 * sender rather than dropping).
 *
 * <p>Life cycle: an {@link FdPlugLifecycle} (channel form: {@link #close} closes the channel, which
 * makes a blocked receive or send return, and returns once both have left). Sent frames shorter
 * than 14 or longer than {@link #MAX_FRAME} bytes are dropped (counted); sends after close throw
 * {@link io.kubevde.vdeplug.PlugClosedException} "vxlan plug closed".
 */
public final class VxlanPlug implements Plug {
  private static final Logger LOG = LoggerFactory.getLogger(VxlanPlug.class);

  private final VxlanConfig config;
  private final DatagramChannel channel;
  private final InetSocketAddress groupAddress;
  private final MacTable table;
  private final PlugStats stats = new PlugStats();
  private final VxlanReceivePath receivePath;
  private final ByteBuffer rbuf =
      ByteBuffer.allocateDirect(VxlanHeader.LENGTH + Plug.MAX_FRAME + 1);
  private final ByteBuffer sbuf = ByteBuffer.allocateDirect(VxlanHeader.LENGTH + Plug.MAX_FRAME);
  private final ReentrantLock sendLock = new ReentrantLock();
  private final FdPlugLifecycle life = FdPlugLifecycle.forChannels("vxlan plug", MAX_FRAME);

  private VxlanPlug(VxlanConfig config, DatagramChannel channel) {
    this.config = config;
    this.channel = channel;
    this.groupAddress = new InetSocketAddress(config.group(), config.port());
    this.table = new MacTable(config.hashsize(), config.expireMillis());
    this.receivePath =
        new VxlanReceivePath(
            config.header(),
            config.port(),
            table,
            stats,
            System::currentTimeMillis,
            config.allow());
    config.header().write(sbuf);
  }

  /**
   * Opens the socket.
   *
   * @throws IOException when PORT is in use, or the group has no route/interface
   */
  public static VxlanPlug open(VxlanConfig c) throws IOException {
    NetworkInterface iface = OverlayNet.multicastInterface(c.group(), c.ifName());
    DatagramChannel ch = DatagramChannel.open(c.family());
    try {
      if (c.rcvbuf() > 0) ch.setOption(StandardSocketOptions.SO_RCVBUF, (int) c.rcvbuf());
      try {
        ch.bind(new InetSocketAddress(c.port()));
      } catch (IOException e) {
        throw new IOException(
            "cannot bind UDP port "
                + c.port()
                + " (one vxlan plug per host and port): "
                + e.getMessage(),
            e);
      }
      ch.join(c.group(), iface);
      ch.setOption(StandardSocketOptions.IP_MULTICAST_IF, iface);
      ch.setOption(StandardSocketOptions.IP_MULTICAST_TTL, c.ttl());
      ch.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, false);
      return new VxlanPlug(c, ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /** The configuration. */
  public VxlanConfig config() {
    return config;
  }

  /** The learning table (diagnostics, tests). */
  public MacTable table() {
    return table;
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    sendLock.lock();
    try {
      sbuf.clear().position(VxlanHeader.LENGTH);
      sbuf.put(frame);
      sbuf.flip();
      long dst = Macs.destination(sbuf, VxlanHeader.LENGTH);
      InetSocketAddress to =
          Macs.isGroup(dst)
              ? null
              : table.lookup(MacTable.key(dst, VxlanReceivePath.VLAN), System.currentTimeMillis());
      try {
        channel.send(sbuf, to == null ? groupAddress : to);
        stats.sent(n);
      } catch (ClosedChannelException e) {
        throw life.isClosed() ? life.closedException() : e;
      } catch (IOException e) {
        stats.dropped();
        LOG.debug("vxlan send failed", e);
      }
    } finally {
      sendLock.unlock();
      life.leave();
    }
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    if (!life.enterReceive()) return CLOSED;
    try {
      rbuf.clear();
      InetSocketAddress from = (InetSocketAddress) channel.receive(rbuf);
      return receivePath.accept(rbuf, rbuf.position(), from, frame);
    } catch (ClosedChannelException e) {
      return CLOSED;
    } finally {
      life.leaveReceive();
    }
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Closes the channel (a blocked receive returns {@link #CLOSED}) and returns once receiver and
   * senders have left.
   */
  @Override
  public void close() throws IOException {
    life.close(
        () -> {
          try {
            channel.close();
          } catch (IOException e) {
            LOG.debug("vxlan close", e);
          }
        },
        () -> channel.close());
  }

  @Override
  public String toString() {
    return "vxlan " + groupAddress + " vni " + config.vni();
  }
}
