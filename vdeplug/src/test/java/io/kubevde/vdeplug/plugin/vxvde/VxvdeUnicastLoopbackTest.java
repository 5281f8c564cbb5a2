package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.testing.Blocked;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two vxvde nodes in unicast mode on the loopback address, in this JVM (no root needed): flooding
 * to peers, learning, direct unicast, the goodbye datagram, and close waking a blocked receive.
 */
@Timeout(60)
class VxvdeUnicastLoopbackTest {
  static final long MAC_A = 0x5254_0000_000aL;
  static final long MAC_B = 0x5254_0000_000bL;
  static final long MAC_X = 0x5254_0000_00eeL;

  static int freePort() throws IOException {
    try (DatagramChannel c = DatagramChannel.open()) {
      c.bind(new InetSocketAddress("127.0.0.1", 0));
      return ((InetSocketAddress) c.getLocalAddress()).getPort();
    }
  }

  static ByteBuffer frame(long dst, long src, int len) {
    ByteBuffer f = ByteBuffer.allocateDirect(len);
    for (int i = 5; i >= 0; i--) f.put((byte) (dst >>> (8 * i)));
    for (int i = 5; i >= 0; i--) f.put((byte) (src >>> (8 * i)));
    while (f.hasRemaining()) f.put((byte) 0x33);
    return f.flip();
  }

  /**
   * Starts a {@code receive} on {@code p} in another thread and asserts it blocks (nothing has
   * arrived after 200 ms); returns it for the caller to end.
   */
  static CompletableFuture<Integer> blockedReceive(Plug p) {
    return Blocked.start(
        "receive", 200, () -> p.receive(ByteBuffer.allocateDirect(Plug.MAX_FRAME)));
  }

  /**
   * A node on a duplicate of unicast-mode node {@code b}'s socket, as an agent hand-over builds it
   * ({@link VxvdePlug#adopt}).
   */
  static VxvdePlug adoptCopy(VxvdePlug b, String vnl) throws IOException {
    int dup = io.kubevde.vdeplug.ffi.LibC.INSTANCE.dup(b.socketFds()[0]);
    io.kubevde.vdeplug.vnl.Vnl v = io.kubevde.vdeplug.vnl.Vnl.parse(vnl);
    return VxvdePlug.adopt(VxvdeConfig.parse(v.text(), v.argument()), dup, dup);
  }

  /** Receives until a frame arrives (skipping NO_FRAME events), at most 5 s. */
  static int receiveFrame(Plug p, ByteBuffer buf) throws Exception {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                while (true) {
                  buf.clear();
                  int n = p.receive(buf);
                  if (n != Plug.NO_FRAME) return n;
                }
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            })
        .get(5, TimeUnit.SECONDS);
  }

  @Test
  void nodesFloodToPeersLearnUnicastAndForgetOnGoodbye() throws Exception {
    int pa = freePort();
    int pb = freePort();
    VxvdePlug a =
        (VxvdePlug)
            Plugs.open(
                "vxvde:///port="
                    + pa
                    + "/bind=127.0.0.1/peers=127.0.0.1:"
                    + pb
                    + ",127.0.0.1:"
                    + pa,
                OpenArgs.DEFAULT);
    VxvdePlug b =
        (VxvdePlug)
            Plugs.open(
                "vxvde:///port=" + pb + "/bind=127.0.0.1/peers=127.0.0.1:" + pa, OpenArgs.DEFAULT);
    try {
      assertThat(a.floodTargets())
          .as("a node never floods to itself")
          .containsExactly(new InetSocketAddress("127.0.0.1", pb));
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);

      a.send(frame(0xFFFF_FFFF_FFFFL, MAC_A, 14)); // a broadcast of exactly 14 bytes
      assertThat(receiveFrame(b, buf)).isEqualTo(14);
      assertThat(b.table().lookup(MacTable.key(MAC_A, 1), System.currentTimeMillis()))
          .isEqualTo(a.unicastAddress());

      b.send(frame(MAC_A, MAC_B, 100)); // known destination: straight to a's unicast socket
      assertThat(receiveFrame(a, buf)).isEqualTo(100);
      assertThat(buf.get(11)).isEqualTo((byte) 0x0b);
      assertThat(a.table().lookup(MacTable.key(MAC_B, 1), System.currentTimeMillis()))
          .isEqualTo(b.unicastAddress());
      assertThat(a.stats().rxFrames()).isEqualTo(1);

      CompletableFuture<Integer> pending =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return b.receive(ByteBuffer.allocateDirect(Plug.MAX_FRAME));
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      a.close(); // goodbye: b forgets MAC_A
      assertThat(pending.get(5, TimeUnit.SECONDS)).isEqualTo(Plug.NO_FRAME);
      await().atMost(Duration.ofSeconds(5)).until(() -> b.table().size() == 0);
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void nodesOnTwoAddressesOfOneHostMayShareThePort() throws Exception {
    // as two agents on one host: same PORT, bound to 127.0.0.1 and 127.0.0.2 (not taken for our own
    // echo)
    int p = freePort();
    VxvdePlug a =
        (VxvdePlug)
            Plugs.open("vxvde:///port=" + p + "/bind=127.0.0.1/peers=127.0.0.2", OpenArgs.DEFAULT);
    VxvdePlug b =
        (VxvdePlug)
            Plugs.open("vxvde:///port=" + p + "/bind=127.0.0.2/peers=127.0.0.1", OpenArgs.DEFAULT);
    try {
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      a.send(frame(0xFFFF_FFFF_FFFFL, MAC_A, 60));
      assertThat(receiveFrame(b, buf)).isEqualTo(60);
      b.send(frame(MAC_A, MAC_B, 70));
      assertThat(receiveFrame(a, buf)).isEqualTo(70);
      assertThat(a.table().lookup(MacTable.key(MAC_B, 1), System.currentTimeMillis()))
          .isEqualTo(new InetSocketAddress("127.0.0.2", p));
      assertThat(a.vxvdeStats().selfEcho() + b.vxvdeStats().selfEcho()).isZero();
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void shutdownReceiveLeavesLaterDatagramsToTheNextHolderOfTheSocketAndSaysNoGoodbye()
      throws Exception {
    int pa = freePort();
    int pb = freePort();
    String vnlB = "vxvde:///port=" + pb + "/bind=127.0.0.1/peers=127.0.0.1:" + pa;
    VxvdePlug a =
        (VxvdePlug)
            Plugs.open(
                "vxvde:///port=" + pa + "/bind=127.0.0.1/peers=127.0.0.1:" + pb, OpenArgs.DEFAULT);
    VxvdePlug b = (VxvdePlug) Plugs.open(vnlB, OpenArgs.DEFAULT);
    VxvdePlug next = null;
    try {
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      b.send(frame(0xFFFF_FFFF_FFFFL, MAC_B, 60));
      assertThat(receiveFrame(a, buf)).isEqualTo(60); // a learns MAC_B at b's socket
      CompletableFuture<Integer> blocked = blockedReceive(b);
      assertThat(b.shutdownReceive()).isTrue();
      assertThat(blocked.get(2, TimeUnit.SECONDS)).isEqualTo(Plug.CLOSED);
      a.send(frame(MAC_B, MAC_A, 80)); // queued in b's socket, read by nobody yet
      b.send(frame(MAC_A, MAC_B, 70)); // b still sends
      assertThat(receiveFrame(a, buf)).isEqualTo(70);
      next = adoptCopy(b, vnlB);
      b.close();
      assertThat(receiveFrame(next, buf))
          .as("the datagram waited for the next holder")
          .isEqualTo(80);
      assertThat(a.vxvdeStats().goodbyes()).as("no goodbye from a handed-off plug").isZero();
      assertThat(a.table().lookup(MacTable.key(MAC_B, 1), System.currentTimeMillis()))
          .isEqualTo(b.unicastAddress());
    } finally {
      a.close();
      b.close();
      if (next != null) next.close();
    }
  }

  /**
   * With offloads, a run of equal frames leaves in one {@code UDP_SEGMENT} send and may wait in the
   * socket as one {@code UDP_GRO} read: the node that adopts the socket (agent hand-over) hands out
   * every frame of it, after the single datagrams queued before it.
   */
  @Test
  void anAdoptedOffloadSocketHandsOutEveryFrameQueuedForIt() throws Exception {
    int pa = freePort();
    int pb = freePort();
    String vnlB = "vxvde:///port=" + pb + "/bind=127.0.0.1/peers=127.0.0.1:" + pa + "/offload";
    VxvdePlug a =
        (VxvdePlug)
            Plugs.open(
                "vxvde:///port=" + pa + "/bind=127.0.0.1/peers=127.0.0.1:" + pb + "/offload",
                OpenArgs.DEFAULT);
    VxvdePlug b = (VxvdePlug) Plugs.open(vnlB, OpenArgs.DEFAULT);
    VxvdePlug next = null;
    try {
      ByteBuffer buf = ByteBuffer.allocateDirect(OffloadPlug.MAX_SUPER_FRAME + 64);
      b.send(frame(0xFFFF_FFFF_FFFFL, MAC_B, 60));
      assertThat(receiveFrame(a, buf)).isEqualTo(60); // a learns MAC_B: the run goes to b only
      assertThat(b.shutdownReceive()).isTrue();
      a.send(frame(MAC_B, MAC_A, 98));
      a.send(frame(MAC_B, MAC_A, 98));
      for (int i = 0; i < 11; i++) a.sendLater(frame(MAC_B, MAC_A, 98));
      a.flush();
      assertThat(a.vxvdeStats().sendCalls()).as("two single sends, the run in one").isEqualTo(3);
      next = adoptCopy(b, vnlB);
      b.close();
      GsoInfo info = new GsoInfo();
      for (int i = 0; i < 13; i++) {
        buf.clear().position(OffloadPlug.HEADROOM);
        assertThat(next.receiveOffload(buf, info)).as("frame %d of 13", i + 1).isEqualTo(98);
        assertThat(info.isGso()).isFalse();
      }
      assertThat(next.vxvdeStats().malformed()).isZero();
    } finally {
      a.close();
      b.close();
      if (next != null) next.close();
    }
  }

  @Test
  void closeMakesABlockedReceiveReturnClosed() throws Exception {
    int p = freePort();
    Plug n =
        Plugs.open(
            "vxvde:///port=" + p + "/bind=127.0.0.1/peers=127.0.0.1:" + freePort(),
            OpenArgs.DEFAULT);
    CompletableFuture<Integer> r = blockedReceive(n);
    n.close();
    assertThat(r.get(2, TimeUnit.SECONDS)).isEqualTo(Plug.CLOSED);
  }

  @Test
  void aMalformedDatagramIsCountedNotThrown() throws Exception {
    int p = freePort();
    int peer = freePort();
    Plug n =
        Plugs.open(
            "vxvde:///port=" + p + "/bind=127.0.0.1/peers=127.0.0.1:" + peer, OpenArgs.DEFAULT);
    // junk from the peer's address (junk from anyone else is refused before it is parsed)
    try (DatagramChannel junk =
        DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", peer))) {
      junk.send(
          ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
          new InetSocketAddress("127.0.0.1", p));
      assertThat(
              CompletableFuture.supplyAsync(
                      () -> {
                        try {
                          return n.receive(ByteBuffer.allocateDirect(Plug.MAX_FRAME));
                        } catch (IOException e) {
                          throw new RuntimeException(e);
                        }
                      })
                  .get(5, TimeUnit.SECONDS))
          .isEqualTo(Plug.NO_FRAME);
      assertThat(n.stats().malformedCount()).isEqualTo(1);
    } finally {
      n.close();
    }
  }

  @Test
  void forgedDatagramsFromNonPeersNeitherReachTheReceiverNorTeachTheTable() throws Exception {
    int pa = freePort();
    int pb = freePort();
    VxvdePlug a =
        (VxvdePlug)
            Plugs.open(
                "vxvde:///port=" + pa + "/bind=127.0.0.1/peers=127.0.0.1:" + pb, OpenArgs.DEFAULT);
    VxvdePlug b =
        (VxvdePlug)
            Plugs.open(
                "vxvde:///port=" + pb + "/bind=127.0.0.1/peers=127.0.0.1:" + pa, OpenArgs.DEFAULT);
    try (ForgedSender otherIp = ForgedSender.bind(new InetSocketAddress("127.0.0.2", pb));
        ForgedSender otherPort = ForgedSender.bind(new InetSocketAddress("127.0.0.1", 0))) {
      assertThat(b.unicastAddress())
          .as("unicast mode sends from its listening port")
          .isEqualTo(new InetSocketAddress("127.0.0.1", pb));
      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      b.send(frame(0xFFFF_FFFF_FFFFL, MAC_B, 60));
      assertThat(receiveFrame(a, buf)).isEqualTo(60);
      InetSocketAddress peerB = new InetSocketAddress("127.0.0.1", pb);
      assertThat(a.table().lookup(MacTable.key(MAC_B, 1), System.currentTimeMillis()))
          .isEqualTo(peerB);

      CompletableFuture<Integer> next =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  buf.clear();
                  int n;
                  do {
                    n = a.receive(buf);
                  } while (n == Plug.NO_FRAME);
                  return n;
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      InetSocketAddress toA = new InetSocketAddress("127.0.0.1", pa);
      // the right VNI and a victim's MAC (B's), from the peer's port on another address and from
      // another port
      otherIp.send(toA, 1, MAC_B, ForgedSender.BROADCAST, 60, 20);
      otherPort.send(toA, 1, MAC_X, MAC_A, 60, 20);
      otherPort.sendRaw(toA, new byte[] {1, 2, 3}); // garbage from a non-peer is not even parsed
      await().atMost(Duration.ofSeconds(5)).until(() -> a.vxvdeStats().notAPeer() == 41);
      assertThat(next).as("nothing forged was delivered").isNotDone();
      assertThat(a.table().lookup(MacTable.key(MAC_B, 1), System.currentTimeMillis()))
          .isEqualTo(peerB);
      assertThat(a.table().lookup(MacTable.key(MAC_X, 1), System.currentTimeMillis())).isNull();
      assertThat(a.table().size()).isEqualTo(1);

      b.send(frame(MAC_A, MAC_B, 99)); // the peer's next frame is the next one delivered
      assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo(99);
      VxvdeStats s = a.vxvdeStats();
      assertThat(s.rxFrames()).isEqualTo(2);
      assertThat(s.notAPeer()).isEqualTo(41);
      assertThat(s.badHeader() + s.malformed() + s.senderNotAllowed()).isZero();
    } finally {
      a.close();
      b.close();
    }
  }
}
