package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.plugin.OverlayLab;
import io.kubevde.vdeplug.plugin.StreamPeer;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * §11 "vxvde same host": three C {@code vde_plug vxvde://239.1.2.5} (stream mode) and a Java node
 * in one namespace. A broadcast reaches every other node and never its sender; the unicast answer
 * goes only to the node that was learned.
 */
@Timeout(300)
class VxvdeSameHostTest {
  static final byte[] C1_MAC = {0x52, 0x54, 0, 0, 0, 0x0a};
  static final byte[] JAVA_MAC = {0x52, 0x54, 0, 0, 0, 0x03};

  /** An ARP request "who-has 192.168.77.3 tell 192.168.77.10" from C1_MAC. */
  static byte[] arpRequest() {
    byte[] f = new byte[42];
    Arrays.fill(f, 0, 6, (byte) 0xff);
    System.arraycopy(C1_MAC, 0, f, 6, 6);
    f[12] = 0x08;
    f[13] = 0x06; // ARP
    f[14] = 0;
    f[15] = 1;
    f[16] = 0x08;
    f[17] = 0;
    f[18] = 6;
    f[19] = 4;
    f[20] = 0;
    f[21] = 1;
    System.arraycopy(C1_MAC, 0, f, 22, 6);
    f[28] = (byte) 192;
    f[29] = (byte) 168;
    f[30] = 77;
    f[31] = 10;
    f[38] = (byte) 192;
    f[39] = (byte) 168;
    f[40] = 77;
    f[41] = 3;
    return f;
  }

  static boolean dstIs(byte[] f, byte[] mac) {
    return f.length >= 14 && Arrays.equals(f, 0, 6, mac, 0, 6);
  }

  static boolean srcIs(byte[] f, byte[] mac) {
    return f.length >= 14 && Arrays.equals(f, 6, 12, mac, 0, 6);
  }

  @Test
  void broadcastsReachTheOthersNeverTheSenderAndUnicastOnlyTheLearnedNode() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("tcpdump");
    try (OverlayLab lab = OverlayLab.create();
        StreamPeer c1 = new StreamPeer(lab.pair().a(), "vxvde://239.1.2.5");
        StreamPeer c2 = new StreamPeer(lab.pair().a(), "vxvde://239.1.2.5");
        StreamPeer c3 = new StreamPeer(lab.pair().a(), "vxvde://239.1.2.5")) {
      String ns = lab.pair().a();
      lab.javaPlug(ns, "vxvde://239.1.2.5");
      NetnsPair.configureTap(ns, OverlayLab.TAP, "192.168.77.3/24", "52:54:00:00:00:03", 60_000);
      // the Java node is up once its tap exists; its sockets may still be joining: the ARP below is
      // retried

      // 1. a C node's broadcast reaches the two other C nodes and the Java node, whose kernel
      // answers
      byte[] req = arpRequest();
      byte[] reply = null;
      for (int attempt = 0; attempt < 20 && reply == null; attempt++) {
        c1.send(req);
        reply = c1.await(f -> dstIs(f, C1_MAC) && f[12] == 0x08 && f[13] == 0x06, 2000);
      }
      assertThat(reply)
          .as("ARP reply from the Java node's tap reached C1; " + lab.logs())
          .isNotNull();
      assertThat(srcIs(reply, JAVA_MAC)).isTrue();
      assertThat(c2.await(f -> Arrays.equals(f, req), 5000))
          .as("C2 got C1's broadcast")
          .isNotNull();
      assertThat(c3.await(f -> Arrays.equals(f, req), 5000))
          .as("C3 got C1's broadcast")
          .isNotNull();
      // the reply was unicast to the learned node only: for a second, nothing addressed to C1
      // reaches C2 or C3
      Awaitility.await()
          .during(Duration.ofSeconds(1))
          .atMost(Duration.ofSeconds(3))
          .until(
              () ->
                  c2.drain().stream().noneMatch(f -> dstIs(f, C1_MAC))
                      && c3.drain().stream().noneMatch(f -> dstIs(f, C1_MAC)));

      // 2. the Java node's broadcast reaches all three C nodes and never comes back to its own tap
      Proc echoWatch =
          lab.track(
              Proc.start(
                  "tcpdump-in",
                  ns,
                  List.of(
                      "tcpdump",
                      "-n",
                      "-l",
                      "-e",
                      "-Q",
                      "in",
                      "-i",
                      OverlayLab.TAP,
                      "ether src 52:54:00:00:00:03")));
      Awaitility.await("tcpdump is capturing")
          .atMost(Duration.ofSeconds(20))
          .until(() -> echoWatch.output().contains("listening on"));
      c1.drain();
      Sh.exec("ip", "netns", "exec", ns, "ping", "-c", "2", "-W", "1", "192.168.77.20");
      for (StreamPeer c : List.of(c1, c2, c3)) {
        assertThat(c.await(f -> srcIs(f, JAVA_MAC) && (f[0] & 1) == 1, 5000))
            .as("a C node got the Java node's broadcast")
            .isNotNull();
      }
      // an echo would come back within ms: watch for half a second
      Awaitility.await()
          .during(Duration.ofMillis(500))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !echoWatch.output().contains("52:54:00:00:00:03 >"));
      echoWatch.close();
      assertThat(echoWatch.output()).doesNotContain("52:54:00:00:00:03 >");
      assertThat(c1.alive() && c2.alive() && c3.alive()).isTrue();
    }
  }
}
