package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.util.List;

/**
 * Test scenario helper: a C {@code vde_plug VNL tap://NAME} in each namespace of a {@link
 * NetnsPair}, the taps configured as 192.168.77.1 (A) and .2 (B); then ping and iperf3 across
 * whatever joins the two VNLs.
 */
public final class TwoTapsOverNode implements AutoCloseable {
  static final String IP_A = "192.168.77.1";
  static final String IP_B = "192.168.77.2";
  private final NetnsPair ns;
  private final Proc plugA;
  private final Proc plugB;

  public TwoTapsOverNode(NetnsPair ns, String vnlA, String vnlB) {
    this.ns = ns;
    this.plugA = Proc.start("vde_plug-A", ns.a(), List.of("vde_plug", vnlA, "tap://kvtap0"));
    this.plugB = Proc.start("vde_plug-B", ns.b(), List.of("vde_plug", vnlB, "tap://kvtap0"));
    NetnsPair.configureTap(ns.a(), "kvtap0", IP_A + "/24", "52:54:00:77:00:01", 15_000);
    NetnsPair.configureTap(ns.b(), "kvtap0", IP_B + "/24", "52:54:00:77:00:02", 15_000);
  }

  public Proc plugA() {
    return plugA;
  }

  public Proc plugB() {
    return plugB;
  }

  /** Asserts ping A→B reaches 0 % loss (after ARP warm-up) and 1 MB moves each way with iperf3. */
  public void assertPingAndTransfer() {
    assertThat(NetnsPair.awaitPing(ns.a(), IP_B, 20_000))
        .as("first ping A->B; A: %s B: %s", plugA.output(), plugB.output())
        .isTrue();
    assertThat(NetnsPair.pingLoss(ns.a(), IP_B, 10, 56)).as("ping loss A->B").isEqualTo(0.0);
    assertThat(NetnsPair.pingLoss(ns.b(), IP_A, 10, 1400))
        .as("ping loss B->A, 1400 bytes")
        .isEqualTo(0.0);
    assertIperf(false);
    assertIperf(true);
  }

  private void assertIperf(boolean reverse) {
    try (Proc server = Proc.start("iperf3-s", ns.b(), List.of("iperf3", "-s", "-1", "-B", IP_B))) {
      Sh.Result r = null;
      for (int attempt = 0; attempt < 20; attempt++) {
        r =
            Sh.exec(
                "ip",
                "netns",
                "exec",
                ns.a(),
                "timeout",
                "60",
                "iperf3",
                "-c",
                IP_B,
                "-n",
                "1M",
                reverse ? "-R" : "-4");
        if (r.exitCode() == 0 || !r.output().contains("Connection refused")) break;
        sleep(250);
      }
      assertThat(r.exitCode()).as("iperf3 %s: %s", reverse ? "B->A" : "A->B", r.output()).isZero();
      assertThat(r.output()).contains("receiver");
      assertThat(r.output()).containsPattern("1\\.0[0-9]* MBytes|10[0-9][0-9] KBytes");
    }
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    plugA.close();
    plugB.close();
  }
}
