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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two Java {@code vde_switch -F} processes joined by TWO C {@code vde_plug vde://A vde://B} cables
 * (a loop): the spanning tree blocks one cable end, C tap clients on each switch ping each other,
 * and when the forwarding cable is killed the other one takes over.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class FstpCliTest {

  private static Proc javaSwitch(Path dir, Path mgmt, Path pid, String mac, String priority) {
    return Proc.start(
        "java-vde_switch-" + dir.getFileName(),
        JavaCli.command(
            "io.kubevde.vdeplug.cli.VdeSwitchMain",
            "-F",
            "--macaddr",
            mac,
            "--priority",
            priority,
            "-sock",
            dir.toString(),
            "-M",
            mgmt.toString(),
            "-p",
            pid.toString()));
  }

  private static String console(Path mgmt, String command) {
    return Sh.run(
        "sh",
        "-c",
        "(sleep 0.3; printf '"
            + command
            + "\\n'; sleep 0.5; printf 'logout\\n'; sleep 0.5)"
            + " | timeout 30 unixterm "
            + mgmt);
  }

  private static int count(String text, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
    int n = 0;
    while (m.find()) n++;
    return n;
  }

  @Test
  void twoCablesBetweenTwoSwitchesAreNoLoopAndTheSpareTakesOver() throws Exception {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("unixterm");
    Path tmp = Proc.tempDir("kvfstp");
    Path a = tmp.resolve("a"), b = tmp.resolve("b");
    Path ma = tmp.resolve("ma"), mb = tmp.resolve("mb");
    try (Proc swA = javaSwitch(a, ma, tmp.resolve("pa"), "00:ff:00:00:00:0a", "4096");
        Proc swB = javaSwitch(b, mb, tmp.resolve("pb"), "00:ff:00:00:00:0b", "32768")) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.exists(tmp.resolve("pa")) && Files.exists(tmp.resolve("pb")));
      assertThat(console(ma, "fstp/showinfo"))
          .contains("MAC 00:ff:00:00:00:0a Priority 4096 (0x1000)")
          .contains("FSTP=true");
      try (Proc cable1 =
              Proc.start(
                  "cable1", List.of("vde_plug", "vde://" + a + "[10]", "vde://" + b + "[10]"));
          Proc cable2 =
              Proc.start(
                  "cable2", List.of("vde_plug", "vde://" + a + "[11]", "vde://" + b + "[11]"))) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> console(mb, "fstp/print").contains("role=Alternate/Backup"));
        String printB = console(mb, "fstp/print");
        assertThat(printB)
            .doesNotContain("ROOTSWITCH")
            .contains("++ root 10:00:00:ff:00:00:00:0a")
            .contains("-- Port 0010 tagged=0 portcost=100 role=Root state=Forwarding")
            .contains("-- Port 0011 tagged=0 portcost=100 role=Alternate/Backup state=Discarding");
        assertThat(console(ma, "fstp/print")).contains("ROOTSWITCH");
        try (NetnsPair ns = NetnsPair.create();
            TwoTapsOverNode taps =
                new TwoTapsOverNode(ns, "vde://" + a + "[4]", "vde://" + b + "[4]")) {
          // hosts on tree ports forward after two forward delays (no agreement from a host)
          assertThat(NetnsPair.awaitPing(ns.a(), "192.168.77.2", 20_000)).isTrue();
          assertThat(NetnsPair.pingLoss(ns.a(), "192.168.77.2", 10, 56)).isEqualTo(0.0);
          cable1.close(); // the forwarding cable goes away: port 10 leaves both switches
          Awaitility.await()
              .atMost(Duration.ofSeconds(5))
              .until(
                  () ->
                      console(mb, "fstp/print")
                          .contains(
                              "-- Port 0011 tagged=0 portcost=100 role=Root state=Forwarding"));
          assertThat(NetnsPair.awaitPing(ns.a(), "192.168.77.2", 10_000)).isTrue();
          assertThat(NetnsPair.pingLoss(ns.a(), "192.168.77.2", 10, 56)).isEqualTo(0.0);
          assertThat(count(console(mb, "fstp/print"), "state=Discarding")).isZero();
        }
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }
}
