package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.plugin.OverlayLab;
import io.kubevde.vdeplug.testing.Requirements;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Offloads (offloads.md) on real taps in netns pairs: {@code tap://kvt0/offload} joined to {@code
 * vxvde://…/offload}. Between two Java nodes TCP travels as super-frames (read from the sending tap
 * as TSO frames, written to the receiving tap coalesced); toward Debian's C {@code vde_plug} only
 * complete MTU-sized frames leave, so TCP and ping work both ways with a C node on either side.
 */
@Timeout(300)
class VxvdeOffloadTest {
  /** A frame carrying more than the tap MTU can only be a super-frame. */
  private static final long MTU = 1450;

  @BeforeEach
  void needsRoot() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3");
  }

  @Test
  void twoJavaNodesWithOffloadsCarryTcpAsSuperFramesBothWays() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde://239.1.2.3/offload", "tap://kvt0/offload");
      lab.javaPlug(lab.pair().b(), "vxvde://239.1.2.3/offload", "tap://kvt0/offload");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
      for (String ns : new String[] {lab.pair().a(), lab.pair().b()}) {
        long[] c = lab.tapCounters(ns);
        assertThat(c[2] / Math.max(1, c[3]))
            .as("mean size of the frames the plug read from the tap in " + ns + lab.logs())
            .isGreaterThan(2 * MTU);
        assertThat(c[0] / Math.max(1, c[1]))
            .as("mean size of the frames the plug wrote to the tap in " + ns + lab.logs())
            .isGreaterThan(2 * MTU);
      }
    }
  }

  @Test
  void javaNodeWithOffloadsInteroperatesWithCVxvde() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde://239.1.2.3/offload", "tap://kvt0/offload");
      lab.cPlug(lab.pair().b(), "vxvde://239.1.2.3");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
      long[] c = lab.tapCounters(lab.pair().a());
      assertThat(c[2] / Math.max(1, c[3]))
          .as("the Java node read super-frames, yet the C node got its TCP stream" + lab.logs())
          .isGreaterThan(2 * MTU);
    }
  }

  @Test
  void cNodeInteroperatesWithAJavaOffloadNodeWhenRolesAreSwapped() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.cPlug(lab.pair().a(), "vxvde://239.1.2.3");
      lab.javaPlug(lab.pair().b(), "vxvde://239.1.2.3/offload", "tap://kvt0/offload");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void anOffloadTapJoinedToAPlainVxvdeSegmentsForIt() {
    // the tap hands super-frames to a plug without offloads as ordinary frames, checksums complete
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde://239.1.2.3", "tap://kvt0/offload");
      lab.cPlug(lab.pair().b(), "vxvde://239.1.2.3");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void twoJavaNodesWithOffloadsInUnicastModeCarryTcp() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde:///peers=10.77.0.2/offload", "tap://kvt0/offload");
      lab.javaPlug(lab.pair().b(), "vxvde:///peers=10.77.0.1/offload", "tap://kvt0/offload");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }
}
