package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.cable.Cable;
import io.kubevde.vdeplug.testing.InNetns;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batched I/O (issue 14) on real taps in a netns pair, with in-process {@link Cable}s {@code
 * tap://kvbt0[/offload]} ↔ {@code vxvde:///peers=…[/offload]}: a burst waiting in the sending tap
 * is read back to back and leaves in a few {@code sendmmsg} calls, and every datagram reaches the
 * socket behind the receiving tap, complete and in order; a forged or malformed datagram inside a
 * {@code recvmmsg} batch is counted and dropped while the rest of the batch is delivered.
 */
@Timeout(120)
class VxvdeBatchTapTest {
  private static final String MAC_A = "52:54:00:00:79:01";
  private static final String MAC_B = "52:54:00:00:79:02";
  private static final String IP_A = "192.168.79.1";
  private static final String IP_B = "192.168.79.2";
  private static final int PORT = 9000;
  private static final int BURST = 200;

  @BeforeEach
  void needsRoot() {
    Requirements.assumeRoot();
  }

  @ParameterizedTest(name = "options ''{0}''")
  @ValueSource(strings = {"", "/offload"})
  void aBurstQueuedInTheTapLeavesInFewSendsAndArrivesCompleteAndInOrder(String opt)
      throws Exception {
    try (NetnsPair pair = NetnsPair.create()) {
      Plug tapA = open(pair.a(), "tap://kvbt0" + opt);
      VxvdePlug vxA = (VxvdePlug) open(pair.a(), "vxvde:///peers=" + NetnsPair.UNDERLAY_B + opt);
      Plug tapB = open(pair.b(), "tap://kvbt0" + opt);
      Plug vxB = open(pair.b(), "vxvde:///peers=" + NetnsPair.UNDERLAY_A + opt);
      NetnsPair.configureTap(pair.a(), "kvbt0", IP_A + "/24", MAC_A, 5000);
      NetnsPair.configureTap(pair.b(), "kvbt0", IP_B + "/24", MAC_B, 5000);
      Sh.run(
          "ip",
          "-n",
          pair.a(),
          "neigh",
          "add",
          IP_B,
          "lladdr",
          MAC_B,
          "dev",
          "kvbt0",
          "nud",
          "permanent");
      try (DatagramChannel rx = InNetns.call(pair.b(), () -> receiver());
          DatagramChannel tx = InNetns.call(pair.a(), DatagramChannel::open);
          Cable b = new Cable("batch-b", vxB, tapB)) {
        // the burst waits in tap A (nobody reads it yet), so the pump finds it all queued
        InetSocketAddress to = new InetSocketAddress(IP_B, PORT);
        for (int i = 0; i < BURST; i++) tx.send(ByteBuffer.allocate(64).putInt(0, i), to);
        long callsBefore = vxA.vxvdeStats().sendCalls();
        try (Cable a = new Cable("batch-a", tapA, vxA)) {
          List<Integer> seen = receive(rx, BURST);
          List<Integer> expected = new ArrayList<>();
          for (int i = 0; i < BURST; i++) expected.add(i);
          assertThat(seen)
              .as("datagrams behind tap B; vxvde A %s", vxA.vxvdeStats())
              .isEqualTo(expected);
          long calls = vxA.vxvdeStats().sendCalls() - callsBefore;
          // 200 frames in batches of 32 (plus the odd IPv6 frame the kernel sends on a new tap)
          assertThat(calls)
              .as("send system calls for %d frames; %s", BURST, vxA.vxvdeStats())
              .isLessThanOrEqualTo(BURST / Cable.BATCH + 5);
        }
      }
    }
  }

  @ParameterizedTest(name = "options ''{0}''")
  @ValueSource(strings = {"", "/offload"})
  void garbageInsideAReceivedBatchIsCountedAndTheRestIsDeliveredInOrder(String opt)
      throws Exception {
    try (NetnsPair pair = NetnsPair.create()) {
      Plug tapB = open(pair.b(), "tap://kvbt0" + opt);
      VxvdePlug vxB = (VxvdePlug) open(pair.b(), "vxvde:///peers=" + NetnsPair.UNDERLAY_A + opt);
      NetnsPair.configureTap(pair.b(), "kvbt0", IP_B + "/24", MAC_B, 5000);
      InetSocketAddress nodeB = new InetSocketAddress(NetnsPair.UNDERLAY_B, 14789);
      try (DatagramChannel rx = InNetns.call(pair.b(), () -> receiver());
          DatagramChannel peer =
              InNetns.call(
                  pair.a(), () -> bound(new InetSocketAddress(NetnsPair.UNDERLAY_A, 14789)));
          DatagramChannel stranger =
              InNetns.call(pair.a(), () -> bound(new InetSocketAddress(NetnsPair.UNDERLAY_A, 0)))) {
        // queued in B's socket before B reads: 30 good, 4 bad, 30 good = the first recvmmsg batch
        // of 32 holds the bad ones
        for (int i = 0; i < 30; i++) peer.send(vxvde(1, udpFrame(i)), nodeB);
        ByteBuffer badHeader = vxvde(1, udpFrame(999));
        badHeader.put(0, (byte) 0x09);
        peer.send(badHeader, nodeB);
        peer.send(vxvde(7, udpFrame(998)), nodeB); // another VNI
        peer.send(vxvde(1, ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5})), nodeB); // too short
        stranger.send(vxvde(1, udpFrame(997)), nodeB); // not the peer's port
        for (int i = 30; i < 60; i++) peer.send(vxvde(1, udpFrame(i)), nodeB);
        try (Cable b = new Cable("batch-b", vxB, tapB)) {
          List<Integer> seen = receive(rx, 60);
          List<Integer> expected = new ArrayList<>();
          for (int i = 0; i < 60; i++) expected.add(i);
          assertThat(seen).as("datagrams behind tap B; %s", vxB.vxvdeStats()).isEqualTo(expected);
          VxvdeStats s = vxB.vxvdeStats();
          assertThat(s.badHeader()).isEqualTo(1);
          assertThat(s.wrongVni()).isEqualTo(1);
          assertThat(s.badLength()).isEqualTo(1);
          assertThat(s.notAPeer()).isEqualTo(1);
          assertThat(s.rxFrames()).isEqualTo(60);
        }
      }
    }
  }

  private static Plug open(String ns, String vnl) throws Exception {
    return InNetns.call(ns, () -> Plugs.open(vnl, OpenArgs.DEFAULT));
  }

  private static DatagramChannel receiver() throws Exception {
    DatagramChannel c = DatagramChannel.open();
    c.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
    c.bind(new InetSocketAddress(IP_B, PORT));
    c.configureBlocking(false);
    return c;
  }

  private static DatagramChannel bound(InetSocketAddress local) throws Exception {
    DatagramChannel c = DatagramChannel.open();
    c.bind(local);
    return c;
  }

  /** The first int of each datagram received, until {@code count} arrived or 20 s passed. */
  private static List<Integer> receive(DatagramChannel rx, int count) throws Exception {
    List<Integer> seen = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(2048);
    long deadline = System.currentTimeMillis() + 20_000;
    while (seen.size() < count && System.currentTimeMillis() < deadline) {
      buf.clear();
      if (rx.receive(buf) == null) {
        Thread.sleep(2);
        continue;
      }
      seen.add(buf.getInt(0));
    }
    return seen;
  }

  /** A vxvde datagram (vde-protocols.md §4.4): header with {@code vni}, then the frame. */
  private static ByteBuffer vxvde(int vni, ByteBuffer frame) {
    ByteBuffer d = ByteBuffer.allocate(8 + frame.remaining());
    d.put((byte) 0x08).put((byte) 0).put((byte) 0).put((byte) 0).putInt(vni << 8).put(frame);
    return d.flip();
  }

  /**
   * An Ethernet/IPv4/UDP frame from {@code IP_A:5555} to {@code IP_B:PORT} with a 64-byte payload
   * starting with {@code seq} (IPv4 header checksum set, UDP checksum 0 = none).
   */
  private static ByteBuffer udpFrame(int seq) {
    ByteBuffer f = ByteBuffer.allocate(14 + 20 + 8 + 64);
    f.put(mac(MAC_B)).put(mac(MAC_A)).putShort((short) 0x0800);
    f.put((byte) 0x45).put((byte) 0).putShort((short) (20 + 8 + 64)).putShort((short) seq);
    f.putShort((short) 0x4000).put((byte) 64).put((byte) 17).putShort((short) 0);
    f.put(ip(IP_A)).put(ip(IP_B));
    int sum = 0;
    for (int i = 14; i < 34; i += 2) sum += f.getShort(i) & 0xFFFF;
    while ((sum >>> 16) != 0) sum = (sum & 0xFFFF) + (sum >>> 16);
    f.putShort(24, (short) ~sum);
    f.putShort((short) 5555).putShort((short) PORT).putShort((short) (8 + 64)).putShort((short) 0);
    f.putInt(seq);
    return f.position(0);
  }

  private static byte[] mac(String m) {
    return java.util.HexFormat.ofDelimiter(":").parseHex(m);
  }

  private static byte[] ip(String a) throws RuntimeException {
    try {
      return java.net.InetAddress.getByName(a).getAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
