package io.kubevde.vdeplug.plugin.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.vxlan.VxlanReceivePath;
import io.kubevde.vdeplug.plugin.vxvde.VxvdeReceivePath;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Garbage datagrams never throw out of the vxvde and vxlan receive paths: every input is either
 * delivered as a frame of 14..9234 bytes or dropped (and, unless a goodbye or self-echo, counted).
 * Bounded number of tries.
 */
class GarbageDatagramPropertiesTest {

  @Provide
  Arbitrary<byte[]> datagrams() {
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(1600);
    // half of the inputs start with a valid header, so the deeper checks are exercised too
    Arbitrary<byte[]> headed =
        Arbitraries.bytes()
            .array(byte[].class)
            .ofMinSize(0)
            .ofMaxSize(200)
            .map(
                tail -> {
                  byte[] b = new byte[8 + tail.length];
                  System.arraycopy(new VxlanHeader(1).bytes(), 0, b, 0, 8);
                  System.arraycopy(tail, 0, b, 8, tail.length);
                  return b;
                });
    return Arbitraries.oneOf(random, headed);
  }

  @Property(tries = 400)
  void vxvdeNeverThrows(@ForAll("datagrams") byte[] bytes, @ForAll boolean fromGroup)
      throws Exception {
    PlugStats stats = new PlugStats();
    VxvdeReceivePath path =
        new VxvdeReceivePath(
            new VxlanHeader(1),
            new MacTable(16, 1000),
            stats,
            new SelfEcho(40000, Set.of(InetAddress.getLoopbackAddress())),
            () -> 0L);
    ByteBuffer d = ByteBuffer.allocateDirect(8 + Plug.MAX_FRAME + 1).put(bytes);
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    int n = path.accept(d, d.position(), new InetSocketAddress("10.77.0.9", 40000), fromGroup, out);
    assertThat(n == Plug.NO_FRAME || (n >= Plug.MIN_FRAME && n <= Plug.MAX_FRAME)).isTrue();
    assertThat(out.position()).isEqualTo(n == Plug.NO_FRAME ? 0 : n);
    if (n == Plug.NO_FRAME && bytes.length != 8) assertThat(stats.malformedCount()).isEqualTo(1);
  }

  @Property(tries = 400)
  void vxlanNeverThrows(@ForAll("datagrams") byte[] bytes) {
    PlugStats stats = new PlugStats();
    VxlanReceivePath path =
        new VxlanReceivePath(new VxlanHeader(1), 4789, new MacTable(16, 1000), stats, () -> 0L);
    ByteBuffer d = ByteBuffer.allocateDirect(8 + Plug.MAX_FRAME + 1).put(bytes);
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    int n = path.accept(d, d.position(), new InetSocketAddress("10.77.0.9", 33333), out);
    assertThat(n == Plug.NO_FRAME || (n >= Plug.MIN_FRAME && n <= Plug.MAX_FRAME)).isTrue();
    if (n == Plug.NO_FRAME) assertThat(stats.malformedCount()).isEqualTo(1);
  }
}
