package io.kubevde.vdeplug.vdeswitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.stp.Bpdu;
import io.kubevde.vdeplug.testing.FrameQueue;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code fstp/*} console menu of the Java vde_switch (vde-2 names and reply codes) and the
 * spanning tree's handling of hostile BPDUs, with Java {@code vde://} clients.
 */
class FstpConsoleTest {
  @TempDir Path tmp;

  private static byte[] bpdu(int priority) {
    ByteBuffer f = ByteBuffer.allocate(64);
    long id = ((long) priority << 48) | 0x0000_0200_0000_0001L;
    new Bpdu(Bpdu.ROLE_DESIGNATED << 2, id, 0, id, 0x8001, 0, 200).encode(0x0200_0000_0001L, f);
    byte[] b = new byte[f.remaining()];
    f.get(b);
    return b;
  }

  @Test
  void menuAnswersWithVde2RepliesAndDrivesTheTree() throws Exception {
    try (VdeSwitch sw = VdeSwitch.start(tmp.resolve("sw"), Optional.empty(), false)) {
      SwitchConsole c = new SwitchConsole(sw.node(), sw.policy(), null, 0, 32, () -> {});
      assertThat(c.run("fstp/showinfo")).contains("FSTP=false").endsWith("1000 Success");
      assertThat(c.run("fstp/setfstp 1")).isEqualTo("1000 Success");
      assertThat(c.run("fstp/showinfo"))
          .containsPattern("MAC 00:ff:[0-9a-f:]{11} Priority 32768 \\(0x8000\\)")
          .contains("FSTP=true");
      try (FrameQueue p1 =
              new FrameQueue(Plugs.open("vde://" + tmp.resolve("sw") + "[1]", OpenArgs.DEFAULT));
          FrameQueue p2 =
              new FrameQueue(Plugs.open("vde://" + tmp.resolve("sw") + "[2]", OpenArgs.DEFAULT))) {
        // a tree port hears our BPDUs: this switch is the root, the port designated
        byte[] f = p1.poll(2000);
        assertThat(f).isNotNull();
        assertThat(Bpdu.decode(ByteBuffer.wrap(f)))
            .hasValueSatisfying(b -> assertThat(b.role()).isEqualTo(Bpdu.ROLE_DESIGNATED));
        assertThat(c.run("fstp/print")).contains("FST DATA VLAN 0000 ROOTSWITCH");
        Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(5))
            .until(
                () ->
                    c.run("fstp/print 0")
                        .contains(
                            "-- Port 0001 tagged=0 portcost=100"
                                + " role=Designated state=Forwarding"));

        // port 2 made an edge port: a BPDU from it is dropped and counted, nobody hears it
        assertThat(c.run("fstp/setedge 0 2 1")).isEqualTo("1000 Success");
        assertThat(c.run("fstp/print")).contains("-- Port 0002 tagged=0 portcost=100 role=Edge");
        drain(p1);
        drain(p2); // BPDUs from when port 2 was a tree port
        p2.send(bpdu(0));
        Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(2))
            .until(() -> c.run("fstp/print").contains("edge_bpdus 1"));
        assertThat(c.run("fstp/print")).contains("ROOTSWITCH").contains("bpdu_edge=1");
        // malformed (wrong LLC) from a tree port: dropped and counted, not forwarded
        byte[] bad = bpdu(0);
        bad[16] = 0x04;
        p1.send(bad);
        Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(2))
            .until(() -> c.run("fstp/print").contains("malformed_bpdus 1"));
        assertThat(p2.poll(300)).as("no BPDU reaches the edge port").isNull();

        // a better bridge on port 1 becomes the root, port 1 the root port
        p1.send(bpdu(0x1000));
        Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(2))
            .until(() -> c.run("fstp/print").contains("role=Root"));
        assertThat(c.run("fstp/print")).doesNotContain("ROOTSWITCH").contains("rootport 0001");

        assertThat(c.run("fstp/bonus 0 1 30")).isEqualTo("1000 Success");
        assertThat(c.run("fstp/print")).contains("-- Port 0001 tagged=0 portcost=70");
      }
      assertThat(c.run("fstp/setedge 0 99 1")).isEqualTo("1022 Invalid argument");
      assertThat(c.run("fstp/setedge 0 1")).isEqualTo("1022 Invalid argument");
      assertThat(c.run("fstp/setedge 7 1 1")).isEqualTo("1006 No such device or address");
      assertThat(c.run("fstp/print 7")).isEqualTo("1006 No such device or address");
      assertThat(c.run("fstp/print 5000")).isEqualTo("1022 Invalid argument");
      assertThat(c.run("fstp/setfstp x")).isEqualTo("1022 Invalid argument");
      assertThat(c.run("fstp/setfstp 0")).isEqualTo("1000 Success");
      assertThat(c.run("fstp/print")).contains("FSTP IS DISABLED");
      assertThat(c.run("help fstp")).contains("fstp/setedge").contains("VLAN PORT 1/0");
    }
  }

  private static void drain(FrameQueue q) throws InterruptedException {
    while (q.poll(50) != null) {
      // skip
    }
  }

  @Test
  void withoutFstpBpdusAreOrdinaryMulticastFrames() throws Exception {
    try (VdeSwitch sw = VdeSwitch.start(tmp.resolve("sw"), Optional.empty(), false);
        FrameQueue p1 =
            new FrameQueue(Plugs.open("vde://" + tmp.resolve("sw") + "[1]", OpenArgs.DEFAULT));
        FrameQueue p2 =
            new FrameQueue(Plugs.open("vde://" + tmp.resolve("sw") + "[2]", OpenArgs.DEFAULT))) {
      p1.send(bpdu(0));
      assertThat(p2.poll(2000)).as("vde-2 without -F floods BPDUs").isNotNull();
    }
  }
}
