package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.plugin.OverlayLab;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import io.kubevde.vdeplug.plugin.tap.TapPlug;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Super-frames through a switch netnode (issue 14, offloads.md): real kernel taps opened with
 * {@code IFF_VNET_HDR} in this process, moved into the namespaces of an {@link OverlayLab}, joined
 * by an in-process switch. Between two offload taps TCP crosses the switch as 64 KiB super-frames
 * (read whole from one tap, written whole into the other); toward a port that does not take them
 * (Debian's C {@code vde_plug} on the switch's {@code vde://} directory) the switch cuts them into
 * ordinary frames with complete checksums, and TCP works both ways.
 */
@Timeout(300)
class NetnodeSuperFrameTest {
  /** A frame carrying more than the tap MTU (1450) can only be a super-frame. */
  private static final long MTU = 1450;

  @TempDir Path tmp;

  @BeforeEach
  void needsRoot() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3");
  }

  /** Opens an offload tap here, moves it into {@code ns} as {@link OverlayLab#TAP}. */
  private static TapPlug offloadTapIn(String ns) throws Exception {
    String name = "kvsf" + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    TapDevice dev = TapDevice.open(name, true);
    assertThat(dev.vnetHeader()).as("tap %s opened with IFF_VNET_HDR", name).isTrue();
    Sh.run("ip", "link", "set", name, "netns", ns);
    Sh.run("ip", "-n", ns, "link", "set", name, "name", OverlayLab.TAP);
    return new TapPlug(dev);
  }

  @Test
  void tcpBetweenTwoOffloadTapsCrossesTheSwitchAsSuperFrames() throws Exception {
    try (OverlayLab lab = OverlayLab.create();
        Netnode sw = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(tmp.resolve("sw")))) {
      sw.addPort(offloadTapIn(lab.pair().a()), "tap A");
      sw.addPort(offloadTapIn(lab.pair().b()), "tap B");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
      long[] sf = sw.superFrameCounters();
      assertThat(sf[0]).as("super-frames that entered the switch").isGreaterThan(10);
      assertThat(sf[2]).as("malformed super-frames").isZero();
      for (String ns : new String[] {lab.pair().a(), lab.pair().b()}) {
        long[] c = lab.tapCounters(ns);
        assertThat(c[2] / Math.max(1, c[3]))
            .as("mean size of the frames the switch read from the tap in " + ns)
            .isGreaterThan(2 * MTU);
        assertThat(c[0] / Math.max(1, c[1]))
            .as("mean size of the frames the switch wrote to the tap in " + ns)
            .isGreaterThan(MTU);
      }
    }
  }

  @Test
  void superFramesAreCutForACVdePlugClient() throws Exception {
    Path dir = tmp.resolve("sw");
    try (OverlayLab lab = OverlayLab.create();
        Netnode sw = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir))) {
      sw.addPort(offloadTapIn(lab.pair().a()), "tap A");
      lab.cPlug(lab.pair().b(), "vde://" + dir);
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
      long[] sf = sw.superFrameCounters();
      assertThat(sf[1]).as("super-frames cut for the C client " + lab.logs()).isGreaterThan(10);
      assertThat(sf[2]).as("malformed super-frames").isZero();
      long[] a = lab.tapCounters(lab.pair().a());
      assertThat(a[2] / Math.max(1, a[3]))
          .as("mean size of the frames the switch read from the offload tap")
          .isGreaterThan(2 * MTU);
      assertThat(Files.exists(dir)).isTrue();
    }
  }
}
