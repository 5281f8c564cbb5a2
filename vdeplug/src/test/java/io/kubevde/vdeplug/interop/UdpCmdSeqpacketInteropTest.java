package io.kubevde.vdeplug.interop;

import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * vde-protocols.md §11 rows "udp", "cmd" and "seqpacket" against the Debian C {@code vde_plug}. The
 * taps are always C {@code vde_plug ... tap://} plugs; the Java plug under test sits in the middle
 * of the path (e.g. C tap ↔ Java udp ↔ C udp ↔ C tap). Each test: ping 0 % loss both ways, iperf3
 * and an exact 1 MB TCP transfer each way.
 */
@Timeout(value = 240, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class UdpCmdSeqpacketInteropTest {

  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3", "python3", "ss");
  }

  /** Java udp in A (2-VNL form, its tap side a cmd:// C stream plug), C udp + tap in B. */
  @Test
  void javaUdpInAInteroperatesWithCUdpInB() {
    try (TapLan lan = new TapLan()) {
      lan.start(
          "java-udp",
          lan.a(),
          JavaCli.vdePlug(
              "udp://" + NetnsPair.UNDERLAY_A + ":5000->" + NetnsPair.UNDERLAY_B + ":5001",
              "cmd://vde_plug tap://" + lan.tapA));
      lan.awaitUdpPort(
          lan.a(), 5000); // the C udp plug exits on ICMP port-unreachable: start it second
      lan.start(
          "c-udp",
          lan.b(),
          List.of(
              "vde_plug", "udp://5001->" + NetnsPair.UNDERLAY_A + ":5000", "tap://" + lan.tapB));
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
    }
  }

  /**
   * The other role: C udp + tap in A (the first recipe of §11), Java udp in B with the IPv6-style
   * last-colon split.
   */
  @Test
  void cUdpInAInteroperatesWithJavaUdpInB() {
    try (TapLan lan = new TapLan()) {
      List<String> java =
          new ArrayList<>(
              JavaCli.vdePlug(
                  "udp://" + NetnsPair.UNDERLAY_B + ":5001->" + NetnsPair.UNDERLAY_A + ":5000",
                  "=",
                  "vde_plug",
                  "tap://" + lan.tapB));
      lan.start("java-udp", lan.b(), java);
      lan.awaitUdpPort(lan.b(), 5001);
      lan.start(
          "c-udp",
          lan.a(),
          List.of(
              "vde_plug", "udp://5000->" + NetnsPair.UNDERLAY_B + ":5001", "tap://" + lan.tapA));
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
    }
  }

  /** udp over IPv6 literals without brackets (split at the last ':'), Java in A, C in B. */
  @Test
  void javaUdpOverIpv6InteroperatesWithCUdp() {
    try (TapLan lan = new TapLan()) {
      lan.start(
          "java-udp6",
          lan.a(),
          JavaCli.vdePlug(
              "udp://" + NetnsPair.UNDERLAY6_A + ":5000->" + NetnsPair.UNDERLAY6_B + ":5001",
              "cmd://vde_plug tap://" + lan.tapA));
      lan.awaitUdpPort(lan.a(), 5000);
      lan.start(
          "c-udp6",
          lan.b(),
          List.of(
              "vde_plug",
              "udp://" + NetnsPair.UNDERLAY6_B + ":5001->" + NetnsPair.UNDERLAY6_A + ":5000",
              "tap://" + lan.tapB));
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
    }
  }

  /**
   * cmd:// spawning a C vde_plug that creates a C hub: Java {@code vde_plug 'cmd://vde_plug
   * hub:///DIR/h' udp://...} in A, a C {@code vde_plug vde:///DIR/h tap://A} joins that hub; C udp
   * + tap in B.
   */
  @Test
  void javaCmdSpawnsACVdePlugHub() throws Exception {
    Path dir = Proc.tempDir("kv-cmdhub-");
    try (TapLan lan = new TapLan()) {
      Path hub = dir.resolve("h");
      lan.start(
          "java-cmd-hub",
          lan.a(),
          JavaCli.vdePlug(
              "cmd://vde_plug hub://" + hub, "udp://5000->" + NetnsPair.UNDERLAY_B + ":5001"));
      lan.awaitUdpPort(lan.a(), 5000);
      long deadline = System.currentTimeMillis() + 60_000;
      while (!Files.exists(hub.resolve("ctl")) && System.currentTimeMillis() < deadline)
        Thread.sleep(100);
      lan.start(
          "c-hub-client-tap", lan.a(), List.of("vde_plug", "vde://" + hub, "tap://" + lan.tapA));
      lan.start(
          "c-udp",
          lan.b(),
          List.of(
              "vde_plug", "udp://5001->" + NetnsPair.UNDERLAY_A + ":5000", "tap://" + lan.tapB));
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
    } finally {
      io.kubevde.vdeplug.testing.Sh.exec("rm", "-rf", dir.toString());
    }
  }

  /**
   * seqpacket: a python3 helper makes {@code socketpair(AF_UNIX, SOCK_SEQPACKET)} and passes one
   * end to {@code vde_plug seqpacket://N tap://A} (C, in A) and the other to the Java {@code
   * vde_plug seqpacket://M = vde_plug tap://B} (in B).
   */
  @Test
  void javaSeqpacketTalksToCSeqpacketOverAnInheritedSocketpair() throws Exception {
    try (TapLan lan = new TapLan()) {
      Path helper = Files.createTempFile("kv-seqpair-", ".py");
      Files.writeString(
          helper,
          """
                    import json, os, signal, socket, subprocess, sys
                    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                    def fill(cmd, fd): return [w.replace("{FD}", str(fd)) for w in cmd]
                    p1 = subprocess.Popen(fill(json.loads(sys.argv[1]), a.fileno()), pass_fds=[a.fileno()])
                    p2 = subprocess.Popen(fill(json.loads(sys.argv[2]), b.fileno()), pass_fds=[b.fileno()])
                    a.close(); b.close()
                    def stop(*_):
                        for p in (p1, p2): p.terminate()
                        sys.exit(0)
                    signal.signal(signal.SIGTERM, stop)
                    print("started", p1.pid, p2.pid, flush=True)
                    os.wait()
                    stop()
                    """);
      List<String> c =
          List.of(
              "ip", "netns", "exec", lan.a(), "vde_plug", "seqpacket://{FD}", "tap://" + lan.tapA);
      List<String> j = new ArrayList<>(List.of("ip", "netns", "exec", lan.b()));
      j.addAll(JavaCli.vdePlug("seqpacket://{FD}", "=", "vde_plug", "tap://" + lan.tapB));
      lan.start("seqpacket-pair", null, List.of("python3", helper.toString(), json(c), json(j)));
      lan.configureTaps();
      lan.assertPingAndMegabyteBothWays();
      Files.deleteIfExists(helper);
    }
  }

  private static String json(List<String> words) {
    StringBuilder b = new StringBuilder("[");
    for (String w : words) {
      if (b.length() > 1) b.append(',');
      b.append('"').append(w.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
    }
    return b.append(']').toString();
  }
}
