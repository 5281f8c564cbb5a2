package io.kubevde.vdeplug.interop;

import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Requirements;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The §2 byte stream between Java and the C tools (vde-protocols.md §11 rows "stream" and "dpipe /
 * ssh style"): Java dpipe joining two C stream plugs, and C dpipe with a Java vde_plug on one side.
 * Every path ends in C {@code vde_plug ... tap://} plugs in two namespaces; ping 0 % loss and 1 MB
 * each way with iperf3.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class StreamInteropTest {

  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3");
  }

  @Test
  void javaDpipeJoinsTwoCStreamPlugs() {
    try (TapLan lan = new TapLan()) {
      List<String> cmd = new ArrayList<>(JavaCli.dpipe());
      cmd.addAll(
          List.of(
              "ip",
              "netns",
              "exec",
              lan.a(),
              "vde_plug",
              "tap://" + lan.tapA,
              "=",
              "ip",
              "netns",
              "exec",
              lan.b(),
              "vde_plug",
              "tap://" + lan.tapB));
      lan.start("java-dpipe", null, cmd);
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
    }
  }

  @Test
  void cDpipeWithAJavaVdePlugStreamOnOneSide() {
    try (TapLan lan = new TapLan()) {
      // A: C tap plug (stream) = Java vde_plug (stream <-> udp) ; B: C udp <-> C tap
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "dpipe",
                  "ip",
                  "netns",
                  "exec",
                  lan.a(),
                  "vde_plug",
                  "tap://" + lan.tapA,
                  "=",
                  "ip",
                  "netns",
                  "exec",
                  lan.a()));
      cmd.addAll(
          JavaCli.vdePlug(
              "udp://" + NetnsPair.UNDERLAY_A + ":5000->" + NetnsPair.UNDERLAY_B + ":5001"));
      lan.start("c-dpipe-java-vde_plug", null, cmd);
      lan.awaitUdpPort(
          lan.a(), 5000); // the C udp plug dies on ICMP port-unreachable: start it second
      lan.start(
          "c-udp-tap",
          lan.b(),
          List.of(
              "vde_plug",
              "udp://" + NetnsPair.UNDERLAY_B + ":5001->" + NetnsPair.UNDERLAY_A + ":5000",
              "tap://" + lan.tapB));
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
    }
  }

  @Test
  void javaVdePlugEqualsCommandFormStreamsToACChild() {
    try (TapLan lan = new TapLan()) {
      // A: Java vde_plug udp://... = vde_plug tap://A (Java streams to its C child) ; B: C udp <->
      // C tap
      List<String> cmd =
          new ArrayList<>(
              JavaCli.vdePlug(
                  "udp://5000->" + NetnsPair.UNDERLAY_B + ":5001",
                  "=",
                  "vde_plug",
                  "tap://" + lan.tapA));
      lan.start("java-vde_plug-eq-cmd", lan.a(), cmd);
      lan.awaitUdpPort(lan.a(), 5000);
      lan.start(
          "c-udp-tap",
          lan.b(),
          List.of(
              "vde_plug", "udp://5001->" + NetnsPair.UNDERLAY_A + ":5000", "tap://" + lan.tapB));
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
    }
  }
}
