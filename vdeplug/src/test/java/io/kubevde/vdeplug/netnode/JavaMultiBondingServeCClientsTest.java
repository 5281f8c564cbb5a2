package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.CStreamPlug;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.FrameQueue;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * C {@code vde_plug vde://DIR} links (stream mode: the test plays both ends) joined to a Java multi
 * / bonding node whose host is the test (vde-protocols.md §6.2, §7).
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class JavaMultiBondingServeCClientsTest {
  private static final String MAC = "52:54:00:00:00:42";

  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
  }

  @Test
  void javaMultiDuplicatesHostFramesOnEveryCLinkAndNeverBridgesLinks() throws Exception {
    Path tmp = Proc.tempDir("kvjm");
    Path dir = tmp.resolve("m");
    try (Netnode node = Netnode.open(NetnodeKind.MULTI, NetnodeConfig.at(dir));
        FrameQueue host = new FrameQueue(node);
        CStreamPlug a = new CStreamPlug(null, "vde://" + dir);
        CStreamPlug b = new CStreamPlug(null, "vde://" + dir)) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> node.ports().size() == 2);
      host.send(EthFrames.frame(EthFrames.BROADCAST, MAC, EthFrames.TEST_TYPE, "h1"));
      assertThat(payload(a.poll(10_000))).isEqualTo("h1");
      assertThat(payload(b.poll(10_000))).isEqualTo("h1");
      a.send(EthFrames.frame(EthFrames.BROADCAST, MAC, EthFrames.TEST_TYPE, "fromA"));
      assertThat(payload(host.poll(10_000))).isEqualTo("fromA");
      assertThat(b.poll(500)).as("multi never bridges links").isNull();
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void javaBondingSpreadsHostFramesRoundRobinOverCLinks() throws Exception {
    Path tmp = Proc.tempDir("kvjb");
    Path dir = tmp.resolve("b");
    try (Netnode node = Netnode.open(NetnodeKind.BONDING, NetnodeConfig.at(dir));
        FrameQueue host = new FrameQueue(node);
        CStreamPlug a = new CStreamPlug(null, "vde://" + dir);
        CStreamPlug b = new CStreamPlug(null, "vde://" + dir)) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> node.ports().size() == 2);
      for (int i = 0; i < 10; i++)
        host.send(EthFrames.frame(EthFrames.BROADCAST, MAC, EthFrames.TEST_TYPE, "h" + i));
      int atA = 0, atB = 0;
      while (a.poll(atA < 5 ? 5_000 : 300) != null) atA++;
      while (b.poll(atB < 5 ? 5_000 : 300) != null) atB++;
      assertThat(atA).isEqualTo(5);
      assertThat(atB).isEqualTo(5);
      b.send(EthFrames.frame(EthFrames.BROADCAST, MAC, EthFrames.TEST_TYPE, "fromB"));
      assertThat(payload(host.poll(10_000))).isEqualTo("fromB");
      assertThat(a.poll(500)).isNull();
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  private static String payload(byte[] f) {
    assertThat(f).as("frame").isNotNull();
    return new String(f, 14, f.length - 14);
  }
}
