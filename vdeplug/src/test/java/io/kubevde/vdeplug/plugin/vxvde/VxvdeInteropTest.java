package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.plugin.OverlayLab;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * vxvde rows of vde-protocols.md §11: Java {@code vde_plug} against Debian's C {@code vde_plug}, in
 * netns pairs.
 */
@Timeout(300)
class VxvdeInteropTest {

  @BeforeEach
  void needsRoot() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3", "tcpdump");
  }

  @Test
  void javaNodeInteroperatesWithCVxvdeOverIpv4() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde://239.1.2.3");
      lab.cPlug(lab.pair().b(), "vxvde://239.1.2.3");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void javaNodeWithAnAllowListInteroperatesWithCVxvde() {
    // C vxvde sends from an ephemeral port of 10.77.0.2: an allow= prefix covering it changes
    // nothing on the wire
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde://239.1.2.3/allow='10.77.0.2/32,fd77::/64'");
      lab.cPlug(lab.pair().b(), "vxvde://239.1.2.3");
      lab.taps();
      lab.assertPingBothWays();
    }
  }

  @Test
  void cNodeInteroperatesWithJavaVxvdeWhenRolesAreSwapped() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.cPlug(lab.pair().a(), "vxvde://239.1.2.3");
      lab.javaPlug(lab.pair().b(), "vxvde://239.1.2.3");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void javaNodeInteroperatesWithCVxvdeOverIpv6WithVni42() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde:///v6/vni=42");
      lab.cPlug(lab.pair().b(), "vxvde:///v6/vni=42");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void grpOptionUsesTheRewrittenGroupLikeC() {
    try (OverlayLab lab = OverlayLab.create()) {
      // the group must be 239.0.3.232 on the wire (§11 "vxvde grp"): capture in B while pinging
      Proc capture =
          lab.track(
              Proc.start(
                  "tcpdump",
                  lab.pair().b(),
                  List.of(
                      "tcpdump",
                      "-n",
                      "-l",
                      "-i",
                      lab.pair().vethB(),
                      "udp and dst host 239.0.3.232 and dst port 14789")));
      lab.javaPlug(lab.pair().a(), "vxvde://239.1.2.3/grp=1000");
      lab.cPlug(lab.pair().b(), "vxvde://239.1.2.3/grp=1000");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
      capture.close();
      assertThat(capture.output()).contains("10.77.0.1.").contains("239.0.3.232.14789");
    }
  }

  @Test
  void javaNodesTalkInUnicastModeWithoutAnyMulticastRoute() {
    try (OverlayLab lab = OverlayLab.create()) {
      Sh.run("ip", "-n", lab.pair().a(), "route", "del", "224.0.0.0/4");
      Sh.run("ip", "-n", lab.pair().b(), "route", "del", "224.0.0.0/4");
      // the same peer list on both nodes: a node skips itself
      lab.javaPlug(lab.pair().a(), "vxvde:///peers=10.77.0.1,10.77.0.2");
      lab.javaPlug(lab.pair().b(), "vxvde:///peers=10.77.0.1,10.77.0.2");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void ifOptionReplacesTheMulticastRouteOnBothImplementations() {
    try (OverlayLab lab = OverlayLab.create()) {
      Sh.run("ip", "-n", lab.pair().a(), "route", "del", "224.0.0.0/4");
      Sh.run("ip", "-n", lab.pair().b(), "route", "del", "224.0.0.0/4");
      lab.javaPlug(
          lab.pair().a(),
          "vxvde://239.1.2.3/if="
              + lab.pair().vethA()
              + "/ttl=2/rcvbuf=1M/hashsize=64/expiretime=30");
      lab.cPlug(lab.pair().b(), "vxvde://239.1.2.3/if=" + lab.pair().vethB());
      lab.taps();
      lab.assertPingBothWays();
    }
  }

  @Test
  void withoutAMulticastRouteOpenFailsAndSaysHowToFixIt() throws Exception {
    try (OverlayLab lab = OverlayLab.create()) {
      Sh.run("ip", "-n", lab.pair().a(), "route", "del", "224.0.0.0/4");
      Proc p = lab.javaPlug(lab.pair().a(), "vxvde://239.1.2.3");
      assertThat(p.process().waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      assertThat(p.process().exitValue()).isEqualTo(1);
      assertThat(p.output())
          .contains("vde_open vxvde://239.1.2.3")
          .contains("ip route add 224.0.0.0/4");
    }
  }

  @Test
  void javaNodesTalkInUnicastModeOverIpv6() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxvde:///vni=7/peers=[fd77::2]:14789");
      lab.javaPlug(lab.pair().b(), "vxvde:///vni=7/peers=fd77::1");
      lab.taps();
      lab.assertPingBothWays();
    }
  }
}
