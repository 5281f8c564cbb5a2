package io.kubevde.vdeplug.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.cmd.Argv;
import io.kubevde.vdeplug.plugin.cmd.CmdPlug;
import io.kubevde.vdeplug.plugin.seqpacket.SeqpacketPlug;
import io.kubevde.vdeplug.plugin.udp.UdpEndpoints;
import io.kubevde.vdeplug.plugin.udp.UdpPlug;
import io.kubevde.vdeplug.testing.Blocked;
import io.kubevde.vdeplug.vnl.VnlException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The null, udp, cmd and seqpacket plugins with real sockets and processes (no root needed). */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class CorePluginsTest {

  static ByteBuffer frame(int len, int seq) {
    ByteBuffer b = ByteBuffer.allocate(len);
    for (int i = 0; i < len; i++) b.put((byte) (seq + i));
    return b.flip();
  }

  static ByteBuffer receive(Plug p) throws Exception {
    ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 2);
    int n;
    do {
      n = p.receive(buf.clear());
    } while (n == Plug.NO_FRAME);
    assertThat(n).isPositive();
    ByteBuffer copy = ByteBuffer.allocate(n);
    copy.put(buf.flip()).flip();
    return copy;
  }

  @Test
  void allCoreSchemesAreRegistered() {
    assertThat(Plugs.schemes()).contains("null", "udp", "cmd", "seqpacket");
  }

  @Test
  void nullDiscardsAndReceiveBlocksUntilClose() throws Exception {
    Plug p = Plugs.open("null://", OpenArgs.DEFAULT);
    p.send(frame(60, 1));
    CompletableFuture<Integer> r =
        Blocked.start("receive", 200, () -> p.receive(ByteBuffer.allocate(Plug.MAX_FRAME)));
    p.close();
    assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo(Plug.CLOSED);
    assertThat(p.stats().droppedCount()).isEqualTo(1);
  }

  @Test
  void udpArgumentSyntax() {
    assertThat(UdpEndpoints.parse("x", "5000->10.77.0.2:5001"))
        .isEqualTo(new UdpEndpoints(Optional.empty(), 5000, "10.77.0.2", 5001));
    assertThat(UdpEndpoints.parse("x", "fd77::1:5000->fd77::2:5001"))
        .isEqualTo(new UdpEndpoints(Optional.of("fd77::1"), 5000, "fd77::2", 5001));
    assertThat(UdpEndpoints.parse("x", "[fd77::1]:5000->[fd77::2]:5001").dstHost())
        .isEqualTo("fd77::2");
    assertThatThrownBy(() -> Plugs.open("udp://5000:10.77.0.2:5001", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("missing '->'");
    assertThatThrownBy(() -> UdpEndpoints.parse("x", "5000->10.77.0.2"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("destination '10.77.0.2'");
    assertThatThrownBy(() -> UdpEndpoints.parse("x", "abc->h:1"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("source port 'abc'");
    assertThatThrownBy(() -> UdpEndpoints.parse("x", "1->h:70000"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("destination port '70000'");
  }

  @Test
  void udpCarriesRawFramesConnectsOnFirstSendAndDisconnectsOnEmptyDatagram() throws Exception {
    try (DatagramSocket peer = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        DatagramSocket stranger = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      peer.setSoTimeout(5000);
      UdpPlug p =
          (UdpPlug)
              Plugs.open("udp://127.0.0.1:0->127.0.0.1:" + peer.getLocalPort(), OpenArgs.DEFAULT);
      try (p) {
        InetSocketAddress me = p.localAddress();
        // unconnected: a stranger's frame is accepted
        stranger.send(new DatagramPacket(frame(60, 7).array(), 60, me));
        assertThat(receive(p)).isEqualTo(frame(60, 7));
        assertThat(p.connected()).isFalse();
        // first send connects; the payload is the raw frame
        p.send(frame(42, 3));
        DatagramPacket got = new DatagramPacket(new byte[2000], 2000);
        peer.receive(got);
        assertThat(got.getLength()).isEqualTo(42);
        assertThat(ByteBuffer.wrap(got.getData(), 0, 42)).isEqualTo(frame(42, 3));
        assertThat(p.connected()).isTrue();
        // a short datagram is dropped, a zero-length one disconnects
        peer.send(new DatagramPacket(new byte[5], 5, me));
        peer.send(new DatagramPacket(new byte[0], 0, me));
        ByteBuffer buf = ByteBuffer.allocate(Plug.MAX_FRAME);
        assertThat(p.receive(buf)).isEqualTo(Plug.NO_FRAME);
        assertThat(p.receive(buf)).isEqualTo(Plug.NO_FRAME);
        assertThat(p.connected()).isFalse();
        stranger.send(new DatagramPacket(frame(61, 9).array(), 61, me));
        assertThat(receive(p)).isEqualTo(frame(61, 9));
        assertThat(p.stats().droppedCount()).isEqualTo(1);
      }
    }
  }

  @Test
  void udpReceiveReturnsClosedOnClose() throws Exception {
    Plug p = Plugs.open("udp://0->127.0.0.1:9", OpenArgs.DEFAULT);
    CompletableFuture<Integer> r =
        Blocked.start("receive", 200, () -> p.receive(ByteBuffer.allocate(Plug.MAX_FRAME)));
    p.close();
    assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo(Plug.CLOSED);
  }

  @Test
  void argvSplitsLikeAShell() {
    assertThat(Argv.split("vde_plug  hub:///tmp/h")).contains(List.of("vde_plug", "hub:///tmp/h"));
    assertThat(Argv.split("ssh host 'vde_plug vxvde://'"))
        .contains(List.of("ssh", "host", "vde_plug vxvde://"));
    assertThat(Argv.split("a\\ b \"c \\\"d\\\" $x\" ''"))
        .contains(List.of("a b", "c \"d\" $x", ""));
    assertThat(Argv.split("a 'b")).isEmpty();
    assertThatThrownBy(() -> Plugs.open("cmd://", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class);
    assertThatThrownBy(() -> Plugs.open("cmd://echo 'x", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("unclosed quote");
  }

  @Test
  void cmdStreamsThroughAChildAndClosedWhenItExits() throws Exception {
    // cat echoes the stream: every frame sent comes back, including jumbo frames
    Plug p = Plugs.open("cmd://cat", OpenArgs.DEFAULT);
    try (p) {
      for (int len : new int[] {60, 1514, 9234, 14}) {
        p.send(frame(len, len));
        assertThat(receive(p)).isEqualTo(frame(len, len));
      }
    }
    // a child that exits: receive reports CLOSED
    Plug q = Plugs.open("cmd://true", OpenArgs.DEFAULT);
    try (q) {
      assertThat(q.receive(ByteBuffer.allocate(Plug.MAX_FRAME))).isEqualTo(Plug.CLOSED);
    }
  }

  @Test
  void cmdCloseTerminatesAChildThatIgnoresStdinEof() throws Exception {
    CmdPlug p = (CmdPlug) Plugs.open("cmd://sleep 600", OpenArgs.DEFAULT);
    Process child = p.process();
    assertThat(child.isAlive()).isTrue();
    p.close();
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void seqpacketCarriesOneFramePerMessageBothWays() throws Exception {
    int[] sv = new int[2];
    assertThat(LibC.INSTANCE.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET, 0, sv)).isZero();
    Plug a = Plugs.open("seqpacket://" + sv[0], OpenArgs.DEFAULT);
    Plug b = Plugs.open("seqpacket://0x" + Integer.toHexString(sv[1]), OpenArgs.DEFAULT);
    try (a) {
      a.send(frame(0, 0)); // suppressed
      a.send(frame(60, 1));
      b.send(frame(1514, 2));
      assertThat(receive(b)).isEqualTo(frame(60, 1));
      assertThat(receive(a)).isEqualTo(frame(1514, 2));
      assertThat(a.stats().droppedCount()).isEqualTo(1);
      b.close();
      assertThat(a.receive(ByteBuffer.allocate(Plug.MAX_FRAME))).isEqualTo(Plug.CLOSED);
    }
    assertThatThrownBy(() -> new SeqpacketPlug(100_000)).hasMessageContaining("not open");
    assertThatThrownBy(() -> Plugs.open("seqpacket://abc", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class);
  }

  @Test
  void seqpacketCloseWakesABlockedReceiver() throws Exception {
    int[] sv = new int[2];
    assertThat(LibC.INSTANCE.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET, 0, sv)).isZero();
    Plug a = new SeqpacketPlug(sv[0]);
    CompletableFuture<Integer> r =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return a.receive(ByteBuffer.allocate(Plug.MAX_FRAME));
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    Awaitility.await("receive blocks while nothing arrives")
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !r.isDone());
    a.close();
    assertThat(r.get(5, TimeUnit.SECONDS)).isEqualTo(Plug.CLOSED);
    LibC.INSTANCE.close(sv[1]);
  }
}
