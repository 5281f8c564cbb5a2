package io.kubevde.vdeplug.vdeswitch;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.netnode.TwoTapsOverNode;
import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Java {@code vde_switch} CLI as a process, with C {@code vde_plug} + tap clients in two
 * namespaces.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class JavaVdeSwitchCliTest {

  @Test
  void cTapClientsPingAndTransferThroughTheJavaVdeSwitchCli() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3", "unixterm");
    Path tmp = Proc.tempDir("kvjvsc");
    Path dir = tmp.resolve("sw");
    Path mgmt = tmp.resolve("mgmt");
    Path pid = tmp.resolve("pid");
    try (Proc sw =
        Proc.start(
            "java-vde_switch",
            JavaCli.command(
                "io.kubevde.vdeplug.cli.VdeSwitchMain",
                "-sock",
                dir.toString(),
                "-M",
                mgmt.toString(),
                "-p",
                pid.toString()))) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(pid) || !sw.alive());
      sw.assertAlive();
      assertThat(Files.readString(pid).trim()).isEqualTo(Long.toString(sw.process().pid()));
      try (NetnsPair ns = NetnsPair.create();
          TwoTapsOverNode taps = new TwoTapsOverNode(ns, "vde://" + dir + "[4]", dir.toString())) {
        taps.assertPingAndTransfer();
        String out =
            Sh.run(
                "sh",
                "-c",
                "(sleep 0.3; printf 'port/print 4\\n'; sleep 0.5; printf 'shutdown\\n'; sleep 6)"
                    + " | timeout 30 unixterm "
                    + mgmt);
        assertThat(out)
            .contains("Port 0004 untagged_vlan=0000 ACTIVE")
            .contains("9999 END OF SESSION");
      }
      assertThat(sw.process().waitFor(20, TimeUnit.SECONDS))
          .as("shutdown stops the process")
          .isTrue();
      assertThat(sw.process().exitValue()).isZero();
      assertThat(dir).doesNotExist();
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void hubOptionMakesTheCliFloodEverythingUnchanged() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("unixterm");
    Path tmp = Proc.tempDir("kvjvsh");
    Path dir = tmp.resolve("sw");
    Path mgmt = tmp.resolve("mgmt");
    try (Proc sw =
        Proc.start(
            "java-vde_switch-hub",
            JavaCli.command(
                "io.kubevde.vdeplug.cli.VdeSwitchMain",
                "-sock",
                dir.toString(),
                "-mgmt",
                mgmt.toString(),
                "-hub"))) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(mgmt) || !sw.alive());
      sw.assertAlive();
      try (io.kubevde.vdeplug.testing.CStreamPlug a =
              new io.kubevde.vdeplug.testing.CStreamPlug(null, "vde://" + dir);
          io.kubevde.vdeplug.testing.CStreamPlug b =
              new io.kubevde.vdeplug.testing.CStreamPlug(null, "vde://" + dir)) {
        String info =
            Sh.run(
                "sh",
                "-c",
                "(sleep 0.5; printf 'port/showinfo\\n'; sleep 2)"
                    + " | timeout 30 unixterm "
                    + mgmt);
        assertThat(info).contains("HUB=true");
        byte[] tagged =
            io.kubevde.vdeplug.testing.EthFrames.tagged(
                io.kubevde.vdeplug.testing.EthFrames.BROADCAST,
                "52:54:00:00:00:21",
                77,
                io.kubevde.vdeplug.testing.EthFrames.TEST_TYPE,
                "hub77");
        byte[] got = null;
        for (int i = 0; i < 20 && got == null; i++) { // until both C clients are attached
          a.send(tagged);
          got = b.poll(500);
        }
        assertThat(got).as("-hub floods a frame of a VLAN nobody joined").isNotNull();
        assertThat(got).containsExactly(tagged);
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void stormOptionLimitsFloodedFramesAndPortPrintCountsTheDrops() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("unixterm");
    Path tmp = Proc.tempDir("kvjvss");
    Path dir = tmp.resolve("sw");
    Path mgmt = tmp.resolve("mgmt");
    try (Proc bad =
        Proc.start(
            "java-vde_switch-bad",
            JavaCli.command(
                "io.kubevde.vdeplug.cli.VdeSwitchMain",
                "-s",
                tmp.resolve("bad").toString(),
                "--storm-pps",
                "-1"))) {
      assertThat(bad.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(bad.process().exitValue()).as("a negative rate is a usage error").isEqualTo(2);
    }
    // 50 flooded frames/s per port, buckets of 100 ms (5 frames)
    try (Proc sw =
        Proc.start(
            "java-vde_switch-storm",
            JavaCli.command(
                "io.kubevde.vdeplug.cli.VdeSwitchMain",
                "-s",
                dir.toString(),
                "-M",
                mgmt.toString(),
                "--storm-pps",
                "50",
                "--burst-ms",
                "100"))) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(mgmt) || !sw.alive());
      sw.assertAlive();
      // explicit ports: the sender must be port 1 (port/print 1 below), whichever connects first
      try (io.kubevde.vdeplug.testing.CStreamPlug a =
              new io.kubevde.vdeplug.testing.CStreamPlug(null, "vde://" + dir + "[1]");
          io.kubevde.vdeplug.testing.CStreamPlug b =
              new io.kubevde.vdeplug.testing.CStreamPlug(null, "vde://" + dir + "[2]")) {
        byte[] hello =
            io.kubevde.vdeplug.testing.EthFrames.frame(
                io.kubevde.vdeplug.testing.EthFrames.BROADCAST,
                "52:54:00:00:00:31",
                io.kubevde.vdeplug.testing.EthFrames.TEST_TYPE,
                "hello");
        byte[] got = null;
        for (int i = 0; i < 40 && got == null; i++) { // until both C clients are attached
          a.send(hello);
          got = b.poll(500);
        }
        assertThat(got).as("a broadcast within the burst passes").isNotNull();
        Thread.sleep(300); // the bucket refills
        long t0 = System.nanoTime();
        for (int i = 0; i < 300; i++) {
          a.send(
              io.kubevde.vdeplug.testing.EthFrames.frame(
                  io.kubevde.vdeplug.testing.EthFrames.BROADCAST,
                  "52:54:00:00:00:31",
                  io.kubevde.vdeplug.testing.EthFrames.TEST_TYPE,
                  "storm" + i));
        }
        int passed = 0;
        while (b.poll(1000) != null) passed++;
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(passed)
            .as("burst (5) + 50/s over %.1f s of 300 broadcasts", seconds)
            .isLessThanOrEqualTo(5 + (int) Math.ceil(50 * seconds) + 1);
        String out =
            Sh.run(
                "sh",
                "-c",
                "(sleep 0.3; printf 'port/print 1\\n'; sleep 1)"
                    + " | timeout 30 unixterm "
                    + mgmt);
        assertThat(out).contains("DROP: policed-frames 0 policed-bytes 0 storm-broadcast ");
        long dropped = Long.parseLong(out.replaceAll("(?s).*storm-broadcast (\\d+).*", "$1"));
        assertThat(dropped).as(out).isGreaterThan(150);
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void tapOptionAttachesATapThatAcTapClientPings() throws Exception {
    Requirements.assumeRootWithCTools();
    Path tmp = Proc.tempDir("kvjvst");
    Path dir = tmp.resolve("sw");
    try (NetnsPair ns = NetnsPair.create();
        Proc sw =
            Proc.start(
                "java-vde_switch-tap",
                ns.a(),
                JavaCli.command(
                    "io.kubevde.vdeplug.cli.VdeSwitchMain",
                    "-sock",
                    dir.toString(),
                    "-tap",
                    "kvtap0"))) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(dir.resolve("ctl")) || !sw.alive());
      sw.assertAlive();
      try (Proc client =
          Proc.start("vde_plug-B", ns.b(), List.of("vde_plug", "vde://" + dir, "tap://kvtap0"))) {
        NetnsPair.configureTap(ns.a(), "kvtap0", "192.168.77.1/24", "52:54:00:77:00:01", 30_000);
        NetnsPair.configureTap(ns.b(), "kvtap0", "192.168.77.2/24", "52:54:00:77:00:02", 30_000);
        assertThat(NetnsPair.awaitPing(ns.b(), "192.168.77.1", 30_000))
            .as("switch %s client %s", sw.output(), client.output())
            .isTrue();
        assertThat(NetnsPair.pingLoss(ns.b(), "192.168.77.1", 10, 1400)).isEqualTo(0.0);
        sw.assertAlive();
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  /**
   * {@code -d} detaches (the parent returns 0 once the pid file names the running daemon), {@code
   * -m}/{@code -g} set the sockets' mode and group, {@code -n} and a positional DIR are honoured
   * and {@code -f} runs an rc script before clients arrive.
   */
  @Test
  void daemonModeGroupNumportsAndRcFile() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("unixterm");
    Path tmp = Proc.tempDir("kvjvsd");
    Path dir = tmp.resolve("sw");
    Path mgmt = tmp.resolve("mgmt");
    Path pid = tmp.resolve("pid");
    Path rc = tmp.resolve("rc");
    Files.writeString(rc, "port/create 3\nvlan/create 12\nport/setvlan 3 12\n");
    long daemonPid = -1;
    try {
      List<String> cmd =
          new java.util.ArrayList<>(
              JavaCli.command(
                  "io.kubevde.vdeplug.cli.VdeSwitchMain",
                  "-d",
                  "-p",
                  pid.toString(),
                  "-mod",
                  "660",
                  "-g",
                  "nogroup",
                  "-n",
                  "8",
                  "-f",
                  rc.toString(),
                  "-M",
                  mgmt.toString(),
                  dir.toString()));
      // output to a file, not a pipe: the daemon inherits the parent's stderr, so reading a pipe to
      // its end would wait for the daemon
      Path log = tmp.resolve("parent.log");
      Process parent =
          new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      assertThat(parent.waitFor(60, TimeUnit.SECONDS)).as("the parent returns").isTrue();
      String parentOut = Files.readString(log);
      assertThat(parent.exitValue()).as(parentOut).isZero();
      daemonPid = Long.parseLong(Files.readString(pid).trim());
      assertThat(daemonPid).isNotEqualTo(parent.pid());
      assertThat(ProcessHandle.of(daemonPid).map(ProcessHandle::isAlive)).contains(true);
      assertThat(Sh.run("stat", "-c", "%a %G", dir.resolve("ctl").toString()).trim())
          .isEqualTo("660 nogroup");
      String out =
          Sh.run(
              "sh",
              "-c",
              "(sleep 0.3; printf 'port/allprint 3\\n'; sleep 0.3; printf 'port/showinfo\\n';"
                  + " sleep 0.5) | timeout 30 unixterm "
                  + mgmt);
      assertThat(out)
          .contains("Port 0003 untagged_vlan=0012 INACTIVE - Unnamed NotAllocatable")
          .contains("Numports=8");
    } finally {
      if (daemonPid > 0) ProcessHandle.of(daemonPid).ifPresent(ProcessHandle::destroy);
      final long p = daemonPid;
      if (p > 0) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> ProcessHandle.of(p).map(h -> !h.isAlive()).orElse(true));
      }
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }
}
