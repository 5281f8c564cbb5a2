package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.FrameQueue;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Forwarding of the Java netnodes seen from Java {@code vde://} clients on the real rendezvous
 * (unix sockets in a temp directory; no root needed): vde-protocols.md §6.2.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class NetnodeForwardingTest {
  private static final String A = "52:54:00:00:00:0a";
  private static final String B = "52:54:00:00:00:0b";
  private static final String C = "52:54:00:00:00:0c";
  private static final String H = "52:54:00:00:00:99";
  private final Path tmp = Proc.tempDir("kvfw");

  @AfterEach
  void clean() {
    Sh.exec("rm", "-rf", tmp.toString());
  }

  private static FrameQueue join(Path dir) throws Exception {
    return new FrameQueue(Plugs.open("vde://" + dir, OpenArgs.DEFAULT));
  }

  private static void awaitPorts(Netnode n, int count) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> n.ports().size() == count);
  }

  @Test
  void hubFloodsToEveryOtherPortAndTheHost() throws Exception {
    Path dir = tmp.resolve("hub");
    try (Netnode node = Netnode.open(NetnodeKind.HUB, NetnodeConfig.at(dir));
        FrameQueue host = new FrameQueue(node);
        FrameQueue a = join(dir);
        FrameQueue b = join(dir);
        FrameQueue c = join(dir)) {
      awaitPorts(node, 3);
      a.send(EthFrames.frame(B, A, EthFrames.TEST_TYPE, "a-to-b"));
      assertThat(b.pollMarked("a-to-b", 5000)).isNotNull();
      assertThat(c.pollMarked("a-to-b", 5000)).as("a hub floods even known unicast").isNotNull();
      assertThat(host.pollMarked("a-to-b", 5000)).isNotNull();
      assertThat(a.pollMarked("a-to-b", 300)).as("never back to the source").isNull();
      host.send(EthFrames.frame(A, H, EthFrames.TEST_TYPE, "host"));
      assertThat(a.pollMarked("host", 5000)).isNotNull();
      assertThat(b.pollMarked("host", 5000)).isNotNull();
      assertThat(c.pollMarked("host", 5000)).isNotNull();
    }
  }

  @Test
  void switchLearnsAndSendsKnownUnicastToOnePortOnly() throws Exception {
    Path dir = tmp.resolve("sw");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        FrameQueue host = new FrameQueue(node);
        FrameQueue a = join(dir);
        FrameQueue b = join(dir);
        FrameQueue c = join(dir)) {
      awaitPorts(node, 3);
      // unknown destination: flooded (and A is learned)
      a.send(EthFrames.frame(B, A, EthFrames.TEST_TYPE, "unknown"));
      assertThat(b.pollMarked("unknown", 5000)).isNotNull();
      assertThat(c.pollMarked("unknown", 5000)).isNotNull();
      assertThat(host.pollMarked("unknown", 5000)).isNotNull();
      // B answers A: A is known, only A gets it (and B is learned)
      b.send(EthFrames.frame(A, B, EthFrames.TEST_TYPE, "reply"));
      assertThat(a.pollMarked("reply", 5000)).isNotNull();
      // now A to B is unicast to B only
      a.send(EthFrames.frame(B, A, EthFrames.TEST_TYPE, "known"));
      assertThat(b.pollMarked("known", 5000)).isNotNull();
      assertThat(c.pollMarked("reply", 300)).isNull();
      assertThat(c.pollMarked("known", 300)).isNull();
      assertThat(host.pollMarked("known", 300)).isNull();
      assertThat(node.macTableSize()).isEqualTo(2);
      // the host is learned too
      host.send(EthFrames.frame(A, H, EthFrames.TEST_TYPE, "from-host"));
      assertThat(a.pollMarked("from-host", 5000)).isNotNull();
      c.send(EthFrames.frame(H, C, EthFrames.TEST_TYPE, "to-host"));
      assertThat(host.pollMarked("to-host", 5000)).isNotNull();
      assertThat(a.pollMarked("to-host", 300)).isNull();
    }
  }

  @Test
  void switchKeysVlansWithTwelveBitIds() throws Exception {
    Path dir = tmp.resolve("sw");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        FrameQueue a = join(dir);
        FrameQueue b = join(dir);
        FrameQueue c = join(dir)) {
      awaitPorts(node, 3);
      // MAC X is learned on VLAN 10 at port A and on VLAN 1034 (= 10 | 1024) at port B
      String x = "52:54:00:00:00:77";
      a.send(EthFrames.tagged(EthFrames.BROADCAST, x, 10, EthFrames.TEST_TYPE, "learn10"));
      b.send(EthFrames.tagged(EthFrames.BROADCAST, x, 1034, EthFrames.TEST_TYPE, "learn1034"));
      assertThat(c.pollMarked("learn1034", 5000)).isNotNull();
      c.send(EthFrames.tagged(x, C, 10, EthFrames.TEST_TYPE, "to-x-on-10"));
      byte[] f = a.pollMarked("to-x-on-10", 5000);
      assertThat(f)
          .as("VLAN 10 entry survives learning on VLAN 1034 (C would mask to 10 bits)")
          .isNotNull();
      assertThat(f[12] & 0xff).as("tags are kept (trunk)").isEqualTo(0x81);
      assertThat(b.pollMarked("to-x-on-10", 300)).isNull();
    }
  }

  @Test
  void removingAPortFlushesItsMacEntries() throws Exception {
    Path dir = tmp.resolve("sw");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        FrameQueue a = join(dir);
        FrameQueue c = join(dir)) {
      FrameQueue b = join(dir);
      awaitPorts(node, 3);
      b.send(EthFrames.frame(EthFrames.BROADCAST, B, EthFrames.TEST_TYPE, "hello-b"));
      assertThat(a.pollMarked("hello-b", 5000)).isNotNull();
      assertThat(node.macTableSize()).isEqualTo(1);
      b.close();
      awaitPorts(node, 2);
      assertThat(node.macTableSize()).isZero();
      a.send(EthFrames.frame(B, A, EthFrames.TEST_TYPE, "to-gone-b"));
      assertThat(c.pollMarked("to-gone-b", 5000)).as("B is unknown again: flooded").isNotNull();
    }
  }

  @Test
  void shortFramesAreDroppedAndCounted() throws Exception {
    Path dir = tmp.resolve("hub");
    try (Netnode node = Netnode.open(NetnodeKind.HUB, NetnodeConfig.at(dir));
        FrameQueue host = new FrameQueue(node)) {
      node.send(EthFrames.direct(new byte[13]));
      assertThat(node.hostStats().droppedCount()).isEqualTo(1);
      assertThat(node.hostStats().rxFrames()).isZero();
    }
  }

  @Test
  void inProcessPlugsBecomePortsWithIdsAndStats() throws Exception {
    // an in-process node (no directory) whose ports are vde:// clients of two Java hubs: hub1 <->
    // sw <-> hub2
    Path d1 = tmp.resolve("h1");
    Path d2 = tmp.resolve("h2");
    try (Netnode hub1 = Netnode.open(NetnodeKind.HUB, NetnodeConfig.at(d1));
        Netnode hub2 = Netnode.open(NetnodeKind.HUB, NetnodeConfig.at(d2));
        Netnode sw = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.inProcess());
        FrameQueue h1 = new FrameQueue(hub1);
        FrameQueue h2 = new FrameQueue(hub2)) {
      assertThat(sw.directory()).isEmpty();
      int p1 = sw.addPort(Plugs.open("vde://" + d1, OpenArgs.DEFAULT), "uplink-1");
      int p2 = sw.addPort(Plugs.open("vde://" + d2, OpenArgs.DEFAULT), "uplink-2");
      assertThat(p1).isEqualTo(1);
      assertThat(p2).isEqualTo(2);
      awaitPorts(hub1, 1);
      awaitPorts(hub2, 1);
      h1.send(EthFrames.frame(B, A, EthFrames.TEST_TYPE, "across"));
      assertThat(h2.pollMarked("across", 5000)).isNotNull();
      assertThat(sw.ports())
          .extracting(Netnode.PortInfo::description)
          .containsExactly("uplink-1", "uplink-2");
      assertThat(sw.ports().get(0).stats().rxFrames()).isEqualTo(1);
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> sw.ports().get(1).stats().txFrames() == 1);
      assertThat(sw.removePort(p1)).isTrue();
      assertThat(sw.ports()).hasSize(1);
      awaitPorts(hub1, 0);
    }
    assertThat(d1).doesNotExist();
  }
}
