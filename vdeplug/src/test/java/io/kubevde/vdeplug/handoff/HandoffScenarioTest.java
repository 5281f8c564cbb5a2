package io.kubevde.vdeplug.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.handoff.HandoffLab.Impl;
import io.kubevde.vdeplug.testing.Requirements;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3 item 2 end to end: netns A and B, Java multi nodes behind C taps, C {@code vde_plug} udp
 * link processes over two veths; a 10k pps numbered UDP stream A→B; path 2 added, path 1 removed.
 * Nothing may be lost; with {@code [dedup]} nothing is duplicated either, and the steady-state ping
 * RTT is not worse than plain multi's.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class HandoffScenarioTest {
  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
  }

  @Test
  void dedupHandoffLosesNothingDuplicatesNothingAndAddsNoLatency() {
    HandoffScenarios.Handoff plain = HandoffScenarios.handoff(Impl.JAVA, "");
    HandoffScenarios.Handoff dedup = HandoffScenarios.handoff(Impl.JAVA, "[dedup]");
    System.out.println("hand-off plain: " + plain + " dedup: " + dedup);
    assertThat(plain.stream().sent()).isEqualTo(6L * HandoffScenarios.PPS);
    // plain multi doubles the rate at B during the overlap (20k pps into B's C tap plug, tap and
    // python
    // receiver); under CPU load those tools can overflow (C multi nodes show the same): only
    // bounded here.
    // Measured 2026-12-05 (2-core CI VM, other test runs in parallel, 4 complete runs): plain lost
    // = 0, 0, 0, 0
    // (dups 6204-6810); dedup lost = 0, 0, 374, 0 (one 374-datagram run: a tool stall, which the
    // exact dedup
    // assertion below then reports)
    assertThat(plain.stream().lost()).as("plain %s", plain).isLessThan(plain.stream().sent() / 20);
    assertThat(plain.stream().dups())
        .as("plain multi duplicates during the overlap: %s", plain)
        .isGreaterThan(0);
    assertThat(dedup.stream().lost()).as("dedup %s", dedup).isZero();
    assertThat(dedup.stream().dups()).as("dedup %s", dedup).isZero();
    // medians of 200 pings; generous slack for other tests' CPU load on this 2-core machine
    assertThat(dedup.medianRttMs())
        .as("steady-state RTT with dedup vs plain %.3f ms", plain.medianRttMs())
        .isLessThanOrEqualTo(plain.medianRttMs() * 1.5 + 0.2);
  }
}
