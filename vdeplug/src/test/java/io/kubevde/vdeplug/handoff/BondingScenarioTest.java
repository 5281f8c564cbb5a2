package io.kubevde.vdeplug.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.handoff.HandoffLab.Impl;
import io.kubevde.vdeplug.testing.Requirements;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3 item 3 end to end with Java {@code bonding://…[health]} nodes in netns A and B and two C
 * udp link paths: TCP throughput over two paths shaped to R each is ≥ 1.6 R; when path 2's veth
 * goes down the stream continues on path 1 within 1 s, and path 2 carries traffic again when it
 * comes back.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class BondingScenarioTest {
  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
  }

  @Test
  void twoShapedPathsGiveAtLeast1point6TimesOne() {
    HandoffScenarios.Bonding b = HandoffScenarios.bonding(Impl.JAVA, "[health]", 8);
    System.out.println("bonding: " + b + " ratio " + b.ratio());
    assertThat(b.bondedMbit()).as("%s", b).isGreaterThanOrEqualTo(1.6 * HandoffScenarios.RATE_MBIT);
  }

  @Test
  void healthFailsOverWithinASecondAndUsesThePathAgain() {
    HandoffScenarios.Failover f = HandoffScenarios.failover(Impl.JAVA, "[health]");
    System.out.println("failover: " + f);
    // before the cut both paths are healthy: a lone datagram lost by the UDP tools under CPU load
    // (seen once in
    // 20k frames) is not link behaviour; the failover itself is what this test measures.
    // NOT justified under load: measured 2026-12-05 on the 2-core CI VM with other test runs in
    // parallel, 5 runs:
    // lostBefore = 85, 0, 1462, 44, 304 and lostAfterRestore = 0, 0, 226, 0, 285 (runs of
    // consecutive or every
    // other datagram: the python tools or one C link process descheduled), i.e. this assertion
    // failed 4/5 under
    // concurrent load. Kept at 5 (on a quiet machine it holds); see the vdeplug README
    // "Load-sensitive tests".
    assertThat(f.lostBefore()).as("steady state: %s", f).isLessThanOrEqualTo(5);
    assertThat(f.failoverMs()).as("%s", f).isLessThan(1000);
    assertThat(f.lostAfterRestore()).as("%s", f).isZero();
    assertThat(f.path2AfterRestore())
        .as("path 2 carries the stream again: %s", f)
        .isGreaterThan(2000);
  }
}
