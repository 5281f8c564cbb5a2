package io.kubevde.vdeplug.plugin.vxvde;

import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.MAC_A;
import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.MAC_B;
import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.frame;
import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.freePort;
import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.receiveFrame;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.SendBatch;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Batched I/O of vxvde (issue 14) between nodes in unicast mode on the loopback address, in this
 * JVM (no root): frames queued with {@link Plug#sendLater} leave with one {@code sendmmsg} per
 * {@value SendBatch#FRAMES} frames ({@code UDP_SEGMENT} runs with {@code offload}, received whole
 * through {@code UDP_GRO}) and arrive complete and in order; {@link Plug#receiveNow} takes the
 * datagrams already queued, counting forged and malformed ones in the middle of a batch, and says
 * {@link Plug#AGAIN} instead of waiting.
 */
@Timeout(60)
class VxvdeBatchLoopbackTest {
  private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

  private static ByteBuffer numbered(long dst, long src, int len, int seq) {
    ByteBuffer f = frame(dst, src, len);
    f.putInt(14, seq);
    return f;
  }

  @ParameterizedTest(name = "options ''{0}''")
  @ValueSource(strings = {"", "/offload"})
  void aBurstLargerThanTheBatchLeavesInFewSendsAndArrivesCompleteAndInOrder(String opt)
      throws Exception {
    int pa = freePort();
    int pb = freePort();
    String peerB = "/port=" + pa + "/bind=127.0.0.1/peers=127.0.0.1:" + pb;
    String peerA = "/port=" + pb + "/bind=127.0.0.1/peers=127.0.0.1:" + pa;
    try (VxvdePlug a = (VxvdePlug) Plugs.open("vxvde://" + peerB + opt, OpenArgs.DEFAULT);
        VxvdePlug b = (VxvdePlug) Plugs.open("vxvde://" + peerA + opt, OpenArgs.DEFAULT)) {
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      b.send(frame(BROADCAST, MAC_B, 60)); // a learns MAC_B
      assertThat(receiveFrame(a, buf)).isEqualTo(60);
      assertThat(a.table().lookup(MacTable.key(MAC_B, 1), System.currentTimeMillis())).isNotNull();
      long callsBefore = a.vxvdeStats().sendCalls();

      // 100 frames: runs of equal sizes to the learned MAC, a shorter one ending a run, a broadcast
      List<Integer> sizes = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        int len = i == 40 ? 60 : i == 70 ? 80 : i >= 85 ? 1400 : 100;
        sizes.add(len);
        a.sendLater(numbered(i == 40 ? BROADCAST : MAC_B, MAC_A, len, i));
      }
      a.flush();
      // one more after a plain send: the send must not overtake what is still queued
      a.sendLater(numbered(MAC_B, MAC_A, 100, 100));
      a.send(numbered(MAC_B, MAC_A, 100, 101));
      sizes.add(100);
      sizes.add(100);

      for (int i = 0; i < sizes.size(); i++) {
        int n = receiveFrame(b, buf);
        assertThat(n).as("length of frame %d", i).isEqualTo(sizes.get(i));
        assertThat(buf.getInt(14)).as("sequence number of frame %d", i).isEqualTo(i);
        assertThat(buf.get(11)).isEqualTo((byte) 0x0a);
      }
      assertThat(a.stats().txFrames()).isEqualTo(102);
      assertThat(a.stats().droppedCount()).isZero();
      // 100 frames = 4 batches (32, 32, 32, 4), then the queued frame's batch and the plain send
      assertThat(a.vxvdeStats().sendCalls() - callsBefore)
          .as("send system calls for 102 frames")
          .isEqualTo(6);
      assertThat(b.stats().malformedCount()).isZero();
    }
  }

  @ParameterizedTest(name = "options ''{0}''")
  @ValueSource(strings = {"", "/offload"})
  void aDestinationTheKernelRefusesInsideABatchIsADropAndTheOthersStillGetEveryFrame(String opt)
      throws Exception {
    // the second peer is the limited broadcast address: without SO_BROADCAST the kernel refuses
    // every datagram to it (EACCES), in the middle of each sendmmsg call
    int pa = freePort();
    int pb = freePort();
    try (VxvdePlug a =
            (VxvdePlug)
                Plugs.open(
                    "vxvde:///port="
                        + pa
                        + "/bind=127.0.0.1/peers=127.0.0.1:"
                        + pb
                        + ",255.255.255.255:9"
                        + opt,
                    OpenArgs.DEFAULT);
        VxvdePlug b =
            (VxvdePlug)
                Plugs.open(
                    "vxvde:///port=" + pb + "/bind=127.0.0.1/peers=127.0.0.1:" + pa + opt,
                    OpenArgs.DEFAULT)) {
      for (int i = 0; i < 5; i++) a.sendLater(numbered(BROADCAST, MAC_A, 90, i));
      a.flush();
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      for (int i = 0; i < 5; i++) {
        assertThat(receiveFrame(b, buf)).isEqualTo(90);
        assertThat(buf.getInt(14)).as("sequence number").isEqualTo(i);
      }
      assertThat(a.stats().txFrames()).isEqualTo(5);
      assertThat(a.stats().droppedCount()).as("one refused datagram per frame").isEqualTo(5);
    }
  }

  @ParameterizedTest(name = "options ''{0}''")
  @ValueSource(strings = {"", "/offload"})
  void receiveNowTakesQueuedDatagramsCountsGarbageInsideABatchAndSaysAgainWhenEmpty(String opt)
      throws Exception {
    int pb = freePort();
    int peerPort = freePort();
    try (VxvdePlug b =
            (VxvdePlug)
                Plugs.open(
                    "vxvde:///port=" + pb + "/bind=127.0.0.1/peers=127.0.0.1:" + peerPort + opt,
                    OpenArgs.DEFAULT);
        DatagramChannel peer = DatagramChannel.open();
        DatagramChannel stranger = DatagramChannel.open()) {
      peer.bind(new InetSocketAddress("127.0.0.1", peerPort));
      stranger.bind(new InetSocketAddress("127.0.0.1", 0));
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", pb);
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      assertThat(b.receiveNow(buf)).as("nothing queued yet").isEqualTo(Plug.AGAIN);

      // 30 good, then a bad header, a wrong VNI, a too-short frame and a stranger's datagram, 30
      // good: 64 datagrams, so the garbage sits inside the first recvmmsg batch of 32
      for (int i = 0; i < 30; i++) peer.send(datagram(1, i), to);
      ByteBuffer badHeader = datagram(1, 999);
      badHeader.put(0, (byte) 0x09);
      peer.send(badHeader, to);
      peer.send(datagram(7, 998), to);
      peer.send(ByteBuffer.wrap(new byte[] {8, 0, 0, 0, 0, 0, 1, 0, 1, 2, 3, 4, 5}), to);
      stranger.send(datagram(1, 997), to);
      for (int i = 30; i < 60; i++) peer.send(datagram(1, i), to);

      List<Integer> seen = new ArrayList<>();
      int n = receiveFrame(b, buf); // waits for the first
      seen.add(buf.getInt(14));
      assertThat(n).isEqualTo(100);
      int again = 0;
      long deadline = System.currentTimeMillis() + 10_000;
      while (seen.size() < 60 && System.currentTimeMillis() < deadline) {
        buf.clear();
        n = b.receiveNow(buf);
        if (n == Plug.AGAIN) {
          again++;
          Thread.sleep(1);
          continue;
        }
        if (n >= Plug.MIN_FRAME) seen.add(buf.getInt(14));
      }
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < 60; i++) expected.add(i);
      assertThat(seen).as("good frames, in order (AGAIN %d times)", again).isEqualTo(expected);
      buf.clear();
      assertThat(b.receiveNow(buf)).as("everything taken").isEqualTo(Plug.AGAIN);
      VxvdeStats s = b.vxvdeStats();
      assertThat(s.rxFrames()).isEqualTo(60);
      assertThat(s.badHeader()).isEqualTo(1);
      assertThat(s.wrongVni()).isEqualTo(1);
      assertThat(s.badLength()).isEqualTo(1);
      assertThat(s.notAPeer()).isEqualTo(1);
      assertThat(s.malformed()).isEqualTo(3);
    }
  }

  @Test
  void receiveNowReturnsClosedAfterClose() throws Exception {
    VxvdePlug n =
        (VxvdePlug)
            Plugs.open(
                "vxvde:///port=" + freePort() + "/bind=127.0.0.1/peers=127.0.0.1:" + freePort(),
                OpenArgs.DEFAULT);
    n.close();
    assertThat(n.receiveNow(ByteBuffer.allocateDirect(Plug.MAX_FRAME))).isEqualTo(Plug.CLOSED);
  }

  /** A vxvde datagram (vde-protocols.md §4.4) with VNI {@code vni} carrying a numbered frame. */
  private static ByteBuffer datagram(int vni, int seq) {
    ByteBuffer d = ByteBuffer.allocate(8 + 100);
    d.put(0, (byte) 0x08).putInt(4, vni << 8);
    d.put(8, frame(MAC_B, MAC_A, 100), 0, 100);
    d.putInt(8 + 14, seq);
    return d.clear();
  }
}
