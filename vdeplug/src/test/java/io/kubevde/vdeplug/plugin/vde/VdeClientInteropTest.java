package io.kubevde.vdeplug.plugin.vde;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.CStreamPlug;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.FrameQueue;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java {@code vde://} client against C vde-2 {@code vde_switch} and C vdeplug4 netnodes
 * (vde-protocols.md §11).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class VdeClientInteropTest {
  private static final String M12 = "52:54:00:00:00:12";
  private static final String M13 = "52:54:00:00:00:13";
  private static final String M14 = "52:54:00:00:00:14";

  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
  }

  private static FrameQueue client(String vnl, String descr) throws Exception {
    return new FrameQueue(Plugs.open(vnl, OpenArgs.DEFAULT.withDescription(descr)));
  }

  @Test
  void javaClientsOnCVdeSwitchVlanPortsGetTagsAddedAndStripped() throws Exception {
    try (CVdeSwitch sw = new CVdeSwitch(Proc.tempDir("kvvs"))) {
      sw.command("vlan/create 10");
      sw.command("port/create 12");
      sw.command("port/create 13");
      sw.command("port/setvlan 12 10");
      sw.command("vlan/addport 10 13");
      try (FrameQueue p12 = client("vde://" + sw.dir() + "[12]", "kvtest-access12");
          FrameQueue p13 = client("vde://" + sw.dir() + "[port=13]", "kvtest-trunk13");
          FrameQueue p14 = client("vde://" + sw.dir() + "[14]", "kvtest-plain14")) {
        String print = sw.command("port/print");
        assertThat(print)
            .contains("kvtest-access12")
            .contains("kvtest-trunk13")
            .contains("kvtest-plain14")
            .contains("Port 0012 untagged_vlan=0010");

        // untagged broadcast from the VLAN-10 access port reaches the trunk port tagged with VID
        // 10, not port 14
        p12.send(EthFrames.frame(EthFrames.BROADCAST, M12, EthFrames.TEST_TYPE, "from12"));
        byte[] atTrunk = p13.pollMarked("from12", 10_000);
        assertThat(atTrunk).as("frame at trunk port 13").isNotNull();
        assertThat(Arrays.copyOfRange(atTrunk, 12, 18))
            .as(EthFrames.hex(atTrunk))
            .containsExactly(0x81, 0x00, 0x00, 0x0a, 0x88, 0xb5);

        // a VID-10 tagged frame from the trunk reaches the access port untagged
        p13.send(EthFrames.tagged(M12, M13, 10, EthFrames.TEST_TYPE, "from13"));
        byte[] atAccess = p12.pollMarked("from13", 10_000);
        assertThat(atAccess).as("frame at access port 12").isNotNull();
        assertThat(Arrays.copyOfRange(atAccess, 12, 14))
            .as(EthFrames.hex(atAccess))
            .containsExactly(0x88, 0xb5);
        assertThat(atAccess).hasSize(14 + 6);

        // untagged traffic on VLAN 0 (port 14) never reaches the VLAN-10 access port
        p14.send(EthFrames.frame(EthFrames.BROADCAST, M14, EthFrames.TEST_TYPE, "from14"));
        assertThat(p13.pollMarked("from14", 10_000))
            .as("port 13 is untagged on VLAN 0 too")
            .isNotNull();
        assertThat(p12.pollMarked("from14", 1_000)).isNull();
        assertThat(p14.pollMarked("from12", 200)).isNull();
      }
    }
  }

  @Test
  void javaClientsExchangeFramesThroughCSwitchAndHubNetnodes() throws Exception {
    for (String scheme : List.of("switch", "hub")) {
      Path tmp = Proc.tempDir("kvcn");
      Path dir = tmp.resolve("n");
      try (Proc node =
          Proc.start("c-" + scheme, List.of("vde_plug", "null://", scheme + "://" + dir))) {
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(20))
            .until(() -> Files.exists(dir.resolve("ctl")));
        try (FrameQueue a = client(dir.toString(), "kvtest-a");
            FrameQueue b = client("vde://" + dir, "kvtest-b")) {
          a.send(EthFrames.frame(EthFrames.BROADCAST, M12, EthFrames.TEST_TYPE, "bcast-a"));
          assertThat(b.pollMarked("bcast-a", 10_000)).as(scheme + " broadcast a->b").isNotNull();
          b.send(EthFrames.frame(M12, M13, EthFrames.TEST_TYPE, "uni-b"));
          byte[] f = a.pollMarked("uni-b", 10_000);
          assertThat(f).as(scheme + " unicast b->a").isNotNull();
          assertThat(Arrays.copyOfRange(f, 0, 6)).isEqualTo(EthFrames.mac(M12));
          // frames shorter than 14 bytes are never forwarded
          a.plug().send(EthFrames.direct(new byte[10]));
          assertThat(a.plug().stats().droppedCount()).isEqualTo(1);
        }
        // a Java client leaving unlinks its own rendezvous socket: only ctl and the node's sockets
        // remain
        try (var files = Files.list(dir)) {
          assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."));
        }
      } finally {
        Sh.exec("rm", "-rf", tmp.toString());
      }
    }
  }

  @Test
  void javaClientSeesClosedWhenCSwitchGoesAway() throws Exception {
    Path tmp = Proc.tempDir("kvcn");
    Path dir = tmp.resolve("n");
    try (Proc node = Proc.start("c-switch", List.of("vde_plug", "null://", "switch://" + dir))) {
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> Files.exists(dir.resolve("ctl")));
      var plug = Plugs.open("vde://" + dir, OpenArgs.DEFAULT);
      try {
        node.kill();
        var buf = java.nio.ByteBuffer.allocateDirect(io.kubevde.vdeplug.Plug.MAX_FRAME);
        assertThat(plug.receive(buf)).isEqualTo(io.kubevde.vdeplug.Plug.CLOSED);
      } finally {
        plug.close();
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void openingAMissingSwitchFailsWithTheReason() {
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> Plugs.open("vde:///nonexistent/kv-sw", OpenArgs.DEFAULT)))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("/nonexistent/kv-sw");
  }

  @Test
  void cMultiAndBondingNodesServeJavaClients() throws Exception {
    for (String scheme : List.of("multi", "bonding")) {
      Path tmp = Proc.tempDir("kvcm");
      Path dir = tmp.resolve("n");
      try (CStreamPlug host = new CStreamPlug(null, scheme + "://" + dir)) {
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(20))
            .until(() -> Files.exists(dir.resolve("ctl")));
        try (FrameQueue a = client("vde://" + dir, "kvtest-a");
            FrameQueue b = client("vde://" + dir, "kvtest-b")) {
          awaitAttached(host, a, b); // both ports attached before the host sends
          host.send(EthFrames.frame(EthFrames.BROADCAST, M12, EthFrames.TEST_TYPE, "h1"));
          host.send(EthFrames.frame(EthFrames.BROADCAST, M12, EthFrames.TEST_TYPE, "h2"));
          int atA = count(a, 2), atB = count(b, 2);
          if (scheme.equals("multi")) {
            assertThat(atA).as("multi duplicates host frames on every link").isEqualTo(2);
            assertThat(atB).isEqualTo(2);
          } else {
            assertThat(atA)
                .as("bonding sends each host frame on one link, round-robin")
                .isEqualTo(1);
            assertThat(atB).isEqualTo(1);
          }
          a.send(EthFrames.frame(EthFrames.BROADCAST, M13, EthFrames.TEST_TYPE, "fromA"));
          byte[] up = host.poll(10_000);
          assertThat(up).as(scheme + ": link frame reaches the host").isNotNull();
          assertThat(new String(up, 14, up.length - 14)).isEqualTo("fromA");
          assertThat(b.pollMarked("fromA", 500)).as(scheme + " never bridges links").isNull();
        }
      } finally {
        Sh.exec("rm", "-rf", tmp.toString());
      }
    }
  }

  /**
   * Readiness of both clients' ports: the host sends probe frames (multi: to every link; bonding:
   * round-robin) until each client has received one, at most 20 s; late probes are then drained.
   */
  private static void awaitAttached(CStreamPlug host, FrameQueue a, FrameQueue b) throws Exception {
    boolean atA = false;
    boolean atB = false;
    long deadline = System.currentTimeMillis() + 20_000;
    while (!(atA && atB)) {
      if (System.currentTimeMillis() > deadline)
        throw new AssertionError("ports not attached: a=" + atA + " b=" + atB);
      host.send(EthFrames.frame(EthFrames.BROADCAST, M12, EthFrames.TEST_TYPE, "probe"));
      atA |= a.pollMarked("probe", 100) != null;
      atB |= b.pollMarked("probe", 100) != null;
    }
    while (a.poll(200) != null || b.poll(200) != null) {
      // drain late probes
    }
  }

  static int count(FrameQueue q, int expectedMax) throws InterruptedException {
    int n = 0;
    byte[] f;
    while ((f = q.poll(n < expectedMax ? 3000 : 300)) != null) {
      if (new String(f, 14, f.length - 14).startsWith("h")) n++;
      if (n > expectedMax) break;
    }
    return n;
  }
}
