package io.kubevde.vdeplug.plugin.udp;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * {@code udp://[SRC:]SRCPORT->DST:DSTPORT} (vde-protocols.md §4.2): one UDP socket bound to SRC;
 * the payload of each datagram is one raw Ethernet frame, no header. Like vdeplug4 the socket
 * starts unconnected (accepts frames from anyone), is connected to DST on the first send (from then
 * on the kernel only delivers DST's datagrams), and a received zero-length datagram disconnects it
 * again until the next send.
 *
 * <p>Bad input never throws: datagrams shorter than 14 bytes are counted as dropped, longer than
 * 9234 as malformed; an ICMP port-unreachable (the peer is not up yet) is counted as a drop. The
 * channel is non-blocking with a selector so that the sender can connect/disconnect while the
 * receiver waits. The receive path reuses one direct buffer.
 *
 * <p>Life cycle: an {@link FdPlugLifecycle} (channel form: {@link #close} wakes the selector, waits
 * until the receiver and any sender have left, then closes channel and selector). Sent frames
 * shorter than 14 or longer than {@link #MAX_FRAME} bytes are dropped (counted); sends after close
 * throw {@link io.kubevde.vdeplug.PlugClosedException} "udp plug closed".
 */
public final class UdpPlug implements Plug {
  private static final int RECV_BUF = 65536;

  private final DatagramChannel channel;
  private final Selector selector;
  private final InetSocketAddress destination;
  private final PlugStats stats = new PlugStats();
  private final ByteBuffer rbuf = ByteBuffer.allocateDirect(RECV_BUF);
  private final Object sendLock = new Object();
  private final FdPlugLifecycle life = FdPlugLifecycle.forChannels("udp plug", MAX_FRAME);

  /**
   * Binds the socket.
   *
   * @param source local address and port (wildcard address allowed); its family must be the
   *     destination's
   * @param destination where frames are sent
   * @throws IOException when the socket cannot be bound (port in use, address not local)
   */
  public UdpPlug(InetSocketAddress source, InetSocketAddress destination) throws IOException {
    this.destination = destination;
    boolean v6 = destination.getAddress() instanceof java.net.Inet6Address;
    DatagramChannel ch =
        DatagramChannel.open(v6 ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
    try {
      ch.bind(source);
      ch.configureBlocking(false);
      this.selector = Selector.open();
      ch.register(selector, SelectionKey.OP_READ);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw new IOException("udp: cannot bind " + source + ": " + e.getMessage(), e);
    }
    this.channel = ch;
  }

  /** The bound local address (useful with source port 0). */
  public InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  /** Whether the socket is currently connected to the destination. */
  public boolean connected() {
    return channel.isConnected();
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    try {
      sendLocked(frame, n);
    } finally {
      life.leave();
    }
  }

  private void sendLocked(ByteBuffer frame, int n) throws IOException {
    synchronized (sendLock) {
      try {
        if (!channel.isConnected()) channel.connect(destination);
        if (channel.write(frame) == n) stats.sent(n);
        else stats.dropped();
      } catch (PortUnreachableException e) {
        stats.dropped();
      } catch (ClosedChannelException e) {
        throw e;
      } catch (IOException e) {
        if (life.isClosed()) throw life.closedException();
        stats
            .dropped(); // transient (ENOBUFS, EHOSTUNREACH, ...): the frame is lost, the plug lives
        // on
      } finally {
        frame.position(frame.limit());
      }
    }
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    if (!life.enterReceive()) return CLOSED;
    try {
      return receiveFrame(frame);
    } finally {
      life.leaveReceive();
    }
  }

  private int receiveFrame(ByteBuffer frame) throws IOException {
    while (true) {
      if (life.isClosed()) return CLOSED;
      rbuf.clear();
      Object from;
      try {
        from = channel.receive(rbuf);
      } catch (PortUnreachableException e) {
        stats.dropped();
        continue;
      } catch (ClosedChannelException e) {
        return CLOSED;
      } catch (IOException e) {
        if (life.isClosed()) return CLOSED;
        throw e;
      }
      if (from == null) {
        try {
          selector.select();
          selector.selectedKeys().clear();
          if (Thread.currentThread().isInterrupted())
            throw new java.io.InterruptedIOException("udp: interrupted");
        } catch (ClosedSelectorException e) {
          return CLOSED;
        }
        continue;
      }
      int n = rbuf.position();
      if (n == 0) {
        synchronized (sendLock) {
          if (channel.isConnected()) channel.disconnect();
        }
        return NO_FRAME;
      }
      if (n < MIN_FRAME) {
        stats.dropped();
        return NO_FRAME;
      }
      if (n > MAX_FRAME || frame.remaining() < n) {
        stats.malformed();
        return NO_FRAME;
      }
      rbuf.flip();
      frame.put(rbuf);
      stats.received(n);
      return n;
    }
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Wakes the receiver's selector, waits until it and any sender have left, closes channel and
   * selector.
   */
  @Override
  public void close() throws IOException {
    life.close(
        selector::wakeup,
        () -> {
          try {
            channel.close();
          } finally {
            selector.close();
          }
        });
  }
}
