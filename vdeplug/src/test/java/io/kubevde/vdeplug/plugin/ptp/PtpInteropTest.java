package io.kubevde.vdeplug.plugin.ptp;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.cable.Cable;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import io.kubevde.vdeplug.netnode.TwoTapsOverNode;
import io.kubevde.vdeplug.testing.CStreamPlug;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.FrameQueue;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Java ptp in 4.0.1 datagram mode against Debian's C {@code vde_plug ptp://} (vde-protocols.md
 * §4.1, §11).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class PtpInteropTest {
  private static final String MA = "52:54:00:00:01:0a";
  private static final String MB = "52:54:00:00:01:0b";
  private Path tmp;

  @BeforeEach
  void setUp() {
    Requirements.assumeRootWithCTools();
    tmp = Proc.tempDir("kvptp");
  }

  @AfterEach
  void clean() {
    if (tmp != null) Sh.exec("rm", "-rf", tmp.toString());
  }

  private static void exchange(FrameQueue java, CStreamPlug c, String tag) throws Exception {
    // the C end may be the unconnected first end: its frames flow once it has learned our address
    // by sending
    byte[] f = null;
    for (int i = 0; i < 20 && f == null; i++) {
      java.send(EthFrames.frame(EthFrames.BROADCAST, MA, EthFrames.TEST_TYPE, tag + "-j2c"));
      f = c.poll(500);
    }
    assertThat(f).as(tag + ": Java -> C").isNotNull();
    assertThat(new String(f, 14, f.length - 14)).isEqualTo(tag + "-j2c");
    byte[] got = null;
    for (int i = 0; i < 20 && got == null; i++) {
      c.send(EthFrames.frame(EthFrames.BROADCAST, MB, EthFrames.TEST_TYPE, tag + "-c2j"));
      got = java.pollMarked(tag + "-c2j", 500);
    }
    assertThat(got).as(tag + ": C -> Java").isNotNull();
  }

  /** The identity (device, inode) of the file at {@code path}, or null when there is none. */
  private static Object fileKey(Path path) {
    try {
      return Files.readAttributes(
              path,
              java.nio.file.attribute.BasicFileAttributes.class,
              java.nio.file.LinkOption.NOFOLLOW_LINKS)
          .fileKey();
    } catch (java.io.IOException e) {
      return null;
    }
  }

  @Test
  void javaSecondEndTalksToCFirstEnd() throws Exception {
    Path p = tmp.resolve("p");
    try (CStreamPlug c = new CStreamPlug(null, "ptp://" + p)) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(p));
      try (FrameQueue j = new FrameQueue(Plugs.open("ptp://" + p, OpenArgs.DEFAULT))) {
        assertThat(Path.of(p + "+")).exists();
        exchange(j, c, "a");
      }
      assertThat(Path.of(p + "+")).as("close unlinks our socket").doesNotExist();
    }
  }

  @Test
  void cSecondEndTalksToJavaFirstEnd() throws Exception {
    Path p = tmp.resolve("p");
    try (FrameQueue j = new FrameQueue(Plugs.open("ptp://" + p, OpenArgs.DEFAULT));
        CStreamPlug c = new CStreamPlug(null, "ptp://" + p)) {
      Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(Path.of(p + "+")));
      // C's second end is connected to us from the start: C -> Java first
      byte[] got = null;
      for (int i = 0; i < 20 && got == null; i++) {
        c.send(EthFrames.frame(EthFrames.BROADCAST, MB, EthFrames.TEST_TYPE, "b-c2j"));
        got = j.pollMarked("b-c2j", 500);
      }
      assertThat(got).isNotNull();
      exchange(j, c, "b");
    }
  }

  @Test
  void staleSocketFileIsReplacedAndARestartedCPeerIsReached() throws Exception {
    Path p = tmp.resolve("p");
    // a stale PATH: a socket file nobody is bound to any more
    try (var s =
        io.kubevde.vdeplug.unix.UnixSocket.create(io.kubevde.vdeplug.ffi.LibC.SOCK_DGRAM, false)) {
      s.bind(p);
    }
    assertThat(p).exists();
    try (FrameQueue j = new FrameQueue(Plugs.open("ptp://" + p, OpenArgs.DEFAULT))) {
      try (CStreamPlug c = new CStreamPlug(null, "ptp://" + p)) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> Files.exists(Path.of(p + "+")));
        exchange(j, c, "c1");
      }
      // the C peer died (its PATH+ file stays, stale); a new C peer replaces it; we reconnect to
      // the new socket
      Object stale = fileKey(Path.of(p + "+"));
      try (CStreamPlug c2 = new CStreamPlug(null, "ptp://" + p)) {
        Awaitility.await("the new C peer has bound a new PATH+")
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> {
                  Object k = fileKey(Path.of(p + "+"));
                  return k != null && !k.equals(stale);
                });
        exchange(j, c2, "c2");
      }
    }
  }

  @Test
  void pingAndTransferBetweenCTapOverPtpAndJavaSwitch() throws Exception {
    // nsA: C vde_plug ptp://P tap   <-ptp->   Java ptp --cable-- Java switch   <-vde://->  nsB: C
    // vde_plug tap
    Requirements.assumeTools("iperf3");
    Path p = tmp.resolve("p");
    Path dir = tmp.resolve("sw");
    try (NetnsPair ns = NetnsPair.create();
        Netnode sw = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        Cable cable = new Cable("ptp-sw", Plugs.open("ptp://" + p, OpenArgs.DEFAULT), sw);
        TwoTapsOverNode taps = new TwoTapsOverNode(ns, "ptp://" + p, "vde://" + dir)) {
      taps.assertPingAndTransfer();
    }
  }
}
