package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * Sends forged vxvde datagrams (vde-protocols.md §4.4: the 8-byte header with a chosen VNI, then an
 * Ethernet frame with chosen MACs) from a chosen local address, as a hostile host on the underlay
 * would: for sender-check tests and hostile benchmarks. The channel lives in the network namespace
 * of the thread that calls {@link #bind}.
 *
 * <p>From a test: {@code try (ForgedSender f = ForgedSender.bind(new InetSocketAddress("10.77.0.3",
 * 0))) { f.send(new InetSocketAddress("10.77.0.1", 14789), 42, VICTIM_MAC, BROADCAST, 60, 100); }}
 *
 * <p>As a program (the test classpath): {@code java -cp
 * vdeplug/target/test-classes:vdeplug/target/classes:DEPS
 * io.kubevde.vdeplug.plugin.vxvde.ForgedSender [--netns NAME] --from ADDR[:PORT] --to ADDR:PORT
 * [--vni 1] [--src-mac 52:54:00:00:00:01] [--dst-mac ff:ff:ff:ff:ff:ff] [--length 60] [--count 1]};
 * IPv6 addresses in brackets ({@code [fd77::3]:0}). Prints how many datagrams were sent.
 */
public final class ForgedSender implements AutoCloseable {
  /** The broadcast MAC. */
  public static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

  private final DatagramChannel channel;

  private ForgedSender(DatagramChannel channel) {
    this.channel = channel;
  }

  /**
   * Opens a UDP channel bound to {@code local} (port 0 = ephemeral), with SO_REUSEADDR so it may
   * share a port with a socket bound to another address.
   *
   * @throws IOException when the address is not local or the port is taken
   */
  public static ForgedSender bind(InetSocketAddress local) throws IOException {
    DatagramChannel c =
        DatagramChannel.open(
            local.getAddress().getAddress().length == 16
                ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET);
    try {
      c.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      c.bind(local);
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return new ForgedSender(c);
  }

  /** The local address datagrams leave from. */
  public InetSocketAddress localAddress() throws IOException {
    return (InetSocketAddress) channel.getLocalAddress();
  }

  /**
   * A vxvde datagram: header with {@code vni}, then a frame of {@code frameLen} bytes (≥ 12) from
   * {@code srcMac} to {@code dstMac}, EtherType 0x88b5 (local experimental), padding 0x5a.
   */
  public static byte[] datagram(int vni, long srcMac, long dstMac, int frameLen) {
    ByteBuffer b = ByteBuffer.allocate(VxlanHeader.LENGTH + frameLen);
    new VxlanHeader(vni).write(b);
    for (int i = 5; i >= 0; i--) b.put((byte) (dstMac >>> (8 * i)));
    for (int i = 5; i >= 0; i--) b.put((byte) (srcMac >>> (8 * i)));
    if (b.remaining() >= 2) b.put((byte) 0x88).put((byte) 0xb5);
    while (b.hasRemaining()) b.put((byte) 0x5a);
    return b.array();
  }

  /** Sends {@code bytes} once to {@code to}. */
  public void sendRaw(InetSocketAddress to, byte[] bytes) throws IOException {
    channel.send(ByteBuffer.wrap(bytes), to);
  }

  /**
   * Sends {@code count} copies of {@link #datagram} to {@code to}.
   *
   * @return the number of datagrams sent
   */
  public int send(InetSocketAddress to, int vni, long srcMac, long dstMac, int frameLen, int count)
      throws IOException {
    byte[] d = datagram(vni, srcMac, dstMac, frameLen);
    for (int i = 0; i < count; i++) sendRaw(to, d);
    return count;
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  /** Parses {@code ADDR:PORT}, {@code [V6]:PORT}, or a bare address (port 0). */
  static InetSocketAddress address(String s) throws IOException {
    String host = s;
    int port = 0;
    if (s.startsWith("[")) {
      int close = s.indexOf(']');
      host = s.substring(1, close);
      if (close + 1 < s.length()) port = Integer.parseInt(s.substring(close + 2));
    } else if (s.indexOf(':') >= 0 && s.indexOf(':') == s.lastIndexOf(':')) {
      host = s.substring(0, s.indexOf(':'));
      port = Integer.parseInt(s.substring(s.indexOf(':') + 1));
    }
    return new InetSocketAddress(InetAddress.getByName(host), port);
  }

  /** Parses {@code 52:54:00:00:00:01}. */
  static long mac(String s) {
    long m = 0;
    for (String part : s.split(":")) m = (m << 8) | Integer.parseInt(part, 16);
    return m;
  }

  /** See the class comment for the arguments. */
  public static void main(String[] args) throws Exception {
    String netns = null;
    String from = null;
    String to = null;
    int vni = 1;
    long src = 0x5254_0000_0001L;
    long dst = BROADCAST;
    int length = 60;
    int count = 1;
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : "";
      switch (args[i]) {
        case "--netns" -> netns = v;
        case "--from" -> from = v;
        case "--to" -> to = v;
        case "--vni" -> vni = Integer.parseInt(v);
        case "--src-mac" -> src = mac(v);
        case "--dst-mac" -> dst = mac(v);
        case "--length" -> length = Integer.parseInt(v);
        case "--count" -> count = Integer.parseInt(v);
        default -> {
          System.err.println(
              "unknown argument " + args[i] + "; see the ForgedSender class comment");
          System.exit(2);
        }
      }
      i++;
    }
    if (from == null || to == null) {
      System.err.println(
          "usage: ForgedSender [--netns NAME] --from ADDR[:PORT] --to ADDR:PORT [--vni N] "
              + "[--src-mac M] [--dst-mac M] [--length BYTES] [--count N]");
      System.exit(2);
    }
    if (netns != null) enterNetns(netns);
    try (ForgedSender f = bind(address(from))) {
      int n = f.send(address(to), vni, src, dst, length, count);
      System.out.println(
          "sent " + n + " forged vxvde datagrams from " + f.localAddress() + " to " + to);
    }
  }

  /** Moves the calling thread into network namespace {@code /var/run/netns/NAME}. */
  static void enterNetns(String name) {
    int fd = LibC.INSTANCE.open("/var/run/netns/" + name, 0);
    try {
      if (fd < 0 || LibC.INSTANCE.setns(fd, LibC.CLONE_NEWNET) < 0) {
        throw new IllegalStateException("setns " + name + ": " + LibC.message(LibC.errno()));
      }
    } finally {
      if (fd >= 0) LibC.INSTANCE.close(fd);
    }
  }
}
