package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.plugin.OverlayLab;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  @Test
  void udpDatagramsArriveWholeBetweenTwoJavaOffloadNodes() {
    assertUdpArrivesWhole("vxvde://239.1.2.3/offload");
  }

  @Test
  void udpDatagramsArriveWholeWhenRunsAreMergedIntoUsoSuperFrames() {
    // offload=udp: runs of datagrams may reach the receiving tap as one USO super-frame; the kernel
    // must cut it back into what iperf3 sent (sizes, sequence numbers), or iperf3 counts loss
    assertUdpArrivesWhole("vxvde://239.1.2.3/offload=udp");
  }

  private void assertUdpArrivesWhole(String vnl) {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), vnl, "tap://kvt0/offload");
      lab.javaPlug(lab.pair().b(), vnl, "tap://kvt0/offload");
      lab.taps();
      lab.assertPingBothWays();
      try (Proc server =
          lab.track(
              Proc.start("iperf3-server", lab.pair().b(), List.of("iperf3", "-s", "-p", "5202")))) {
        Sh.Result r = null;
        for (int i = 0; i < 50; i++) {
          // -w 4M: a merged run arrives at the pod's socket as one burst
          r =
              Sh.exec(
                  "ip",
                  "netns",
                  "exec",
                  lab.pair().a(),
                  "timeout",
                  "60",
                  "iperf3",
                  "-c",
                  OverlayLab.OVERLAY_B,
                  "-p",
                  "5202",
                  "-u",
                  "-l",
                  "200",
                  "-b",
                  "20M",
                  "-w",
                  "4M",
                  "-t",
                  "3",
                  "-J");
          if (r.output().contains("\"sum\"")) break;
          sleep(200);
        }
        Matcher packets = Pattern.compile("\"packets\"\\s*:\\s*(\\d+)").matcher(r.output());
        Matcher lost = Pattern.compile("\"lost_percent\"\\s*:\\s*([0-9.]+)").matcher(r.output());
        String last = null;
        String lastLost = null;
        while (packets.find()) last = packets.group(1);
        while (lost.find()) lastLost = lost.group(1);
        assertThat(last).as("iperf3 UDP result: " + r.output() + lab.logs()).isNotNull();
        assertThat(Long.parseLong(last)).as("datagrams sent").isGreaterThan(10_000);
        assertThat(Double.parseDouble(lastLost))
            .as("loss %; " + r.output() + lab.logs())
            .isLessThan(20.0);
      }
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
