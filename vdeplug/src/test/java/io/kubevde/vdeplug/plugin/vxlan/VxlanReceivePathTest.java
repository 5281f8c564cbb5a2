package io.kubevde.vdeplug.plugin.vxlan;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.SenderPrefix;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;

class VxlanReceivePathTest {
  final MacTable table = new MacTable(1024, 128_000);
  final PlugStats stats = new PlugStats();
  final VxlanReceivePath path =
      new VxlanReceivePath(new VxlanHeader(1), 4789, table, stats, () -> 0L);

  static ByteBuffer datagram(int vni, long srcMac, int frameLen) {
    ByteBuffer b = ByteBuffer.allocate(VxlanHeader.LENGTH + Plug.MAX_FRAME + 1);
    new VxlanHeader(vni).write(b);
    for (int i = 0; i < 6; i++) b.put((byte) 0xff);
    for (int i = 5; i >= 0; i--) b.put((byte) (srcMac >>> (8 * i)));
    while (b.position() < VxlanHeader.LENGTH + frameLen) b.put((byte) 7);
    return b;
  }

  @Test
  void learnsTheSenderIpWithTheVxlanPortNotTheSourcePort() {
    // the Linux kernel sends from random source ports but listens on 4789 (§4.3; vdeplug4 learns
    // garbage here)
    ByteBuffer d = datagram(1, 0x0242_0000_0001L, 98);
    int n =
        path.accept(
            d,
            d.position(),
            new InetSocketAddress("10.77.0.2", 51234),
            ByteBuffer.allocate(Plug.MAX_FRAME));
    assertThat(n).isEqualTo(98);
    assertThat(table.lookup(MacTable.key(0x0242_0000_0001L, 1), 0))
        .isEqualTo(new InetSocketAddress("10.77.0.2", 4789));
  }

  @Test
  void reservedBitsAreIgnoredButFlagsAndVniMustMatch() {
    ByteBuffer d = datagram(1, 0x0242_0000_0001L, 60);
    d.put(1, (byte) 0x55).put(7, (byte) 0x66);
    InetSocketAddress from = new InetSocketAddress("10.77.0.2", 4789);
    assertThat(path.accept(d, d.position(), from, ByteBuffer.allocate(Plug.MAX_FRAME)))
        .isEqualTo(60);
    ByteBuffer other = datagram(2, 0x0242_0000_0001L, 60);
    assertThat(path.accept(other, other.position(), from, ByteBuffer.allocate(Plug.MAX_FRAME)))
        .isEqualTo(Plug.NO_FRAME);
    d.put(0, (byte) 0);
    assertThat(path.accept(d, d.position(), from, ByteBuffer.allocate(Plug.MAX_FRAME)))
        .isEqualTo(Plug.NO_FRAME);
    assertThat(stats.malformedCount()).isEqualTo(2);
  }

  @Test
  void withAnAllowListOnlySendersInsideItAreDeliveredOrLearned() {
    PlugStats st = new PlugStats();
    MacTable t = new MacTable(1024, 128_000);
    VxlanReceivePath guarded =
        new VxlanReceivePath(
            new VxlanHeader(1), 4789, t, st, () -> 0L, List.of(SenderPrefix.parse("10.78.0.0/16")));
    ByteBuffer d = datagram(1, 0x0242_0000_0009L, 60);
    InetSocketAddress outsider = new InetSocketAddress("192.0.2.7", 4789);
    assertThat(guarded.accept(d, d.position(), outsider, ByteBuffer.allocate(Plug.MAX_FRAME)))
        .as("a forged datagram from outside the underlay")
        .isEqualTo(Plug.NO_FRAME);
    assertThat(t.lookup(MacTable.key(0x0242_0000_0009L, 1), 0)).as("nothing learned").isNull();
    assertThat(st.droppedCount()).isEqualTo(1);
    InetSocketAddress vtep = new InetSocketAddress("10.78.3.4", 40000);
    assertThat(guarded.accept(d, d.position(), vtep, ByteBuffer.allocate(Plug.MAX_FRAME)))
        .isEqualTo(60);
    assertThat(t.lookup(MacTable.key(0x0242_0000_0009L, 1), 0))
        .isEqualTo(new InetSocketAddress("10.78.3.4", 4789));
  }
}
