package io.kubevde.vdeplug.plugin.vxlan;

import io.kubevde.vdeplug.plugin.OverlayLab;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * vxlan rows of vde-protocols.md §11: Java vxlan against C {@code vde_plug vxlan://…/hashsize=0}
 * and Linux vxlan.
 */
@Timeout(300)
class VxlanInteropTest {

  @BeforeEach
  void needsRoot() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3", "ethtool");
  }

  @Test
  void javaVxlanInteroperatesWithCVxlan() {
    // the C side needs hashsize=0 because of its learning bug (§4.3); the Java side learns
    // correctly
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxlan://239.1.2.4");
      lab.cPlug(lab.pair().b(), "vxlan://239.1.2.4/hashsize=0");
      lab.taps();
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void javaVxlanInteroperatesWithTheLinuxKernelVxlan() {
    try (OverlayLab lab = OverlayLab.create()) {
      String b = lab.pair().b();
      Sh.run(
          "ip",
          "-n",
          b,
          "link",
          "add",
          OverlayLab.TAP,
          "type",
          "vxlan",
          "id",
          "1",
          "group",
          "239.1.2.4",
          "dev",
          lab.pair().vethB(),
          "dstport",
          "4789");
      lab.javaPlug(lab.pair().a(), "vxlan://239.1.2.4");
      lab.taps();
      // the kernel leaves the inner TCP checksum to offload (CHECKSUM_PARTIAL) and the veth never
      // fills it in,
      // so a user-space receiver sees bad TCP checksums: compute them in software on the kernel
      // vxlan device
      Sh.run("ip", "netns", "exec", b, "ethtool", "-K", OverlayLab.TAP, "tx", "off");
      lab.assertPingBothWays();
      lab.assertMegabyteBothWays();
    }
  }

  @Test
  void javaVxlanTalksToJavaVxlanOverIpv6() {
    try (OverlayLab lab = OverlayLab.create()) {
      lab.javaPlug(lab.pair().a(), "vxlan:///v6/vni=5");
      lab.javaPlug(lab.pair().b(), "vxlan:///v6/vni=5");
      lab.taps();
      lab.assertPingBothWays();
    }
  }
}
