package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.SelfEcho;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import org.junit.jupiter.api.Test;

class VxvdeReceivePathTest {
  static final InetSocketAddress PEER = new InetSocketAddress("10.77.0.2", 41000);
  static final InetSocketAddress SELF = new InetSocketAddress("10.77.0.1", 40000);
  static final long PEER_MAC = 0x5254_0000_0002L;

  final MacTable table = new MacTable(1024, 128_000);
  final PlugStats stats = new PlugStats();
  final VxvdeCounters counters = new VxvdeCounters();
  final VxvdeReceivePath path;

  VxvdeReceivePathTest() throws Exception {
    path =
        new VxvdeReceivePath(
            new VxlanHeader(1),
            table,
            stats,
            counters,
            new SelfEcho(40000, Set.of(InetAddress.getByName("10.77.0.1"))),
            () -> 1000L);
  }

  /**
   * A datagram: header for {@code vni}, then a frame of {@code frameLen} bytes from PEER_MAC to
   * broadcast.
   */
  static ByteBuffer datagram(int vni, int frameLen) {
    ByteBuffer b = ByteBuffer.allocateDirect(VxlanHeader.LENGTH + Plug.MAX_FRAME + 1);
    new VxlanHeader(vni).write(b);
    if (frameLen >= 12) {
      for (int i = 0; i < 6; i++) b.put((byte) 0xff);
      for (int i = 5; i >= 0; i--) b.put((byte) (PEER_MAC >>> (8 * i)));
    }
    while (b.position() < VxlanHeader.LENGTH + frameLen) b.put((byte) 0x42);
    return b;
  }

  int accept(ByteBuffer d, InetSocketAddress from, boolean group, ByteBuffer out) {
    return path.accept(d, d.position(), from, group, out);
  }

  @Test
  void aFrameIsDeliveredAndItsSourceLearned() {
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    assertThat(accept(datagram(1, 60), PEER, true, out)).isEqualTo(60);
    assertThat(out.position()).isEqualTo(60);
    assertThat(out.get(6)).isEqualTo((byte) 0x52);
    assertThat(table.lookup(MacTable.key(PEER_MAC, 1), 1000)).isEqualTo(PEER);
    assertThat(stats.rxFrames()).isEqualTo(1);
  }

  @Test
  void aFrameOfExactly14BytesIsAccepted() {
    // vdeplug4 drops it (needs length > 22, §12.4)
    assertThat(accept(datagram(1, 14), PEER, false, ByteBuffer.allocate(Plug.MAX_FRAME)))
        .isEqualTo(14);
  }

  @Test
  void shortFramesWrongVniAndHeaderGarbageAreCountedAsMalformed() {
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    assertThat(accept(datagram(1, 13), PEER, false, out)).isEqualTo(Plug.NO_FRAME);
    assertThat(accept(datagram(2, 60), PEER, false, out)).isEqualTo(Plug.NO_FRAME);
    ByteBuffer bad = datagram(1, 60);
    bad.put(3, (byte) 1);
    assertThat(accept(bad, PEER, false, out)).isEqualTo(Plug.NO_FRAME);
    assertThat(path.accept(bad, 5, PEER, false, out)).isEqualTo(Plug.NO_FRAME);
    assertThat(stats.malformedCount()).isEqualTo(4);
    assertThat(out.position()).isZero();
    assertThat(table.size()).isZero();
  }

  @Test
  void ourOwnMulticastIsDroppedOnTheGroupSocketOnly() {
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    assertThat(accept(datagram(1, 60), SELF, true, out)).isEqualTo(Plug.NO_FRAME);
    assertThat(accept(datagram(1, 60), new InetSocketAddress("10.77.0.1", 40001), true, out))
        .isEqualTo(60);
    assertThat(stats.malformedCount()).isZero();
  }

  @Test
  void groupSourceMacsAreNotLearned() {
    ByteBuffer d = datagram(1, 60);
    d.put(VxlanHeader.LENGTH + 6, (byte) 0x01);
    assertThat(accept(d, PEER, true, ByteBuffer.allocate(Plug.MAX_FRAME))).isEqualTo(60);
    assertThat(table.size()).isZero();
  }

  @Test
  void aGoodbyeForgetsTheSendersEntries() {
    accept(datagram(1, 60), PEER, true, ByteBuffer.allocate(Plug.MAX_FRAME));
    assertThat(table.size()).isEqualTo(1);
    ByteBuffer bye = datagram(1, 0);
    assertThat(
            accept(
                bye,
                new InetSocketAddress("10.77.0.2", 41000),
                true,
                ByteBuffer.allocate(Plug.MAX_FRAME)))
        .isEqualTo(Plug.NO_FRAME);
    assertThat(table.lookup(MacTable.key(PEER_MAC, 1), 1000)).isNull();
    assertThat(stats.malformedCount()).isZero();
  }

  @Test
  void aGoodbyeFromAnotherPeerOrVniChangesNothing() {
    accept(datagram(1, 60), PEER, true, ByteBuffer.allocate(Plug.MAX_FRAME));
    accept(
        datagram(1, 0),
        new InetSocketAddress("10.77.0.2", 41001),
        true,
        ByteBuffer.allocate(Plug.MAX_FRAME));
    accept(datagram(9, 0), PEER, true, ByteBuffer.allocate(Plug.MAX_FRAME));
    assertThat(table.lookup(MacTable.key(PEER_MAC, 1), 1000)).isEqualTo(PEER);
  }

  @Test
  void eachDropIsCountedUnderItsReason() {
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    path.accept(datagram(1, 60), 5, PEER, false, out); // shorter than the header
    ByteBuffer flags = datagram(1, 60);
    flags.put(0, (byte) 0x0c);
    accept(flags, PEER, false, out); // flags not 0x08
    ByteBuffer reserved = datagram(1, 60);
    reserved.put(7, (byte) 1);
    accept(reserved, PEER, false, out); // reserved byte set
    accept(datagram(2, 60), PEER, false, out); // another VNI
    accept(datagram(1, 13), PEER, false, out); // frame too short
    accept(datagram(1, 60), SELF, true, out); // our own multicast
    accept(datagram(1, 0), PEER, false, out); // goodbye
    VxvdeStats s = counters.snapshot(stats);
    assertThat(s.badHeader()).isEqualTo(3);
    assertThat(s.wrongVni()).isEqualTo(1);
    assertThat(s.badLength()).isEqualTo(1);
    assertThat(s.selfEcho()).isEqualTo(1);
    assertThat(s.goodbyes()).isEqualTo(1);
    assertThat(s.malformed()).isEqualTo(5);
    assertThat(s.notAPeer() + s.senderNotAllowed() + s.rxFrames()).isZero();
    assertThat(s.dropsByReason())
        .containsExactly(
            java.util.Map.entry("not-a-peer", 0L),
            java.util.Map.entry("sender-not-allowed", 0L),
            java.util.Map.entry("bad-header", 3L),
            java.util.Map.entry("wrong-vni", 1L),
            java.util.Map.entry("bad-length", 1L),
            java.util.Map.entry("self-echo", 1L));
    assertThat(out.position()).isZero();
    assertThat(table.size()).isZero();
  }
}
