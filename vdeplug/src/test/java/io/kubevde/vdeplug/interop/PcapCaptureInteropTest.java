package io.kubevde.vdeplug.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code pcap://FILE{VNL}} recording a real ping between two taps (Java udp wrapped in pcap in A, C
 * {@code vde_plug} udp in B), read back by Debian's {@code tcpdump -r}.
 */
class PcapCaptureInteropTest {
  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("tcpdump", "ss");
  }

  @Test
  void tcpdumpReadsTheCaptureOfAPing() {
    Path file = Proc.tempDir("kv-pcap").resolve("a.pcapng");
    try (TapLan lan = new TapLan()) {
      lan.start(
          "java-pcap-udp",
          lan.a(),
          JavaCli.vdePlug(
              "pcap://"
                  + file
                  + "{udp://"
                  + NetnsPair.UNDERLAY_A
                  + ":5000->"
                  + NetnsPair.UNDERLAY_B
                  + ":5001}",
              "cmd://vde_plug tap://" + lan.tapA));
      lan.awaitUdpPort(lan.a(), 5000);
      lan.start(
          "c-udp",
          lan.b(),
          List.of(
              "vde_plug", "udp://5001->" + NetnsPair.UNDERLAY_A + ":5000", "tap://" + lan.tapB));
      lan.configureTaps();
      assertThat(NetnsPair.awaitPing(lan.a(), TapLan.IP_B, 20_000)).isTrue();
      assertThat(NetnsPair.pingLoss(lan.a(), TapLan.IP_B, 5, 56)).isEqualTo(0.0);

      Sh.Result r = Sh.exec("tcpdump", "-r", file.toString(), "-nn", "-e", "icmp");
      assertThat(r.exitCode()).as(r.output()).isZero();
      assertThat(r.output())
          .contains(TapLan.IP_A + " > " + TapLan.IP_B + ": ICMP echo request")
          .contains(TapLan.IP_B + " > " + TapLan.IP_A + ": ICMP echo reply")
          .contains("52:54:00:00:00:01 > 52:54:00:00:00:02");
      long requests = r.output().lines().filter(l -> l.contains("echo request")).count();
      long replies = r.output().lines().filter(l -> l.contains("echo reply")).count();
      assertThat(requests).isGreaterThanOrEqualTo(5);
      assertThat(replies).isGreaterThanOrEqualTo(5);
      Sh.Result arp = Sh.exec("tcpdump", "-r", file.toString(), "-nn", "arp");
      assertThat(arp.output()).contains("Request who-has");
    }
  }
}
