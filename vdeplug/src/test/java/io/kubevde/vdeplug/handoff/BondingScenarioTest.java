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
 * udp link paths: TCP throughput over two paths shaped to R each is > 1.2 R (both carry it); when
 * path 2's veth goes down the stream continues on path 1 within 1 s, and path 2 carries traffic
 * again when it comes back.
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
    // each path is shaped to R: more than 1.2 R proves both carry the stream (1.6 R and more on a
    // quiet machine; bench/handoff reports the ratio; under parallel load 1.5 R was seen)
    assertThat(b.bondedMbit()).as("%s", b).isGreaterThan(1.2 * HandoffScenarios.RATE_MBIT);
  }

  @Test
  void healthFailsOverWithinASecondAndUsesThePathAgain() {
    HandoffScenarios.Failover f = HandoffScenarios.failover(Impl.JAVA, "[health]");
    System.out.println("failover: " + f);
    // A bond that feeds a dead or blackholed path loses every other datagram (≈ 50 % of a window);
    // the UDP tools and C link processes lose runs of datagrams when descheduled, measured up to
    // 10 % of the steady-state window on the 2-core CI VM under parallel test load (lostBefore =
    // 85, 0, 1462, 44, 304, 404 of ≈ 15000). The test asserts the behaviour (no path blackholed),
    // not the tools' loss: bench/handoff reports the loss figures.
    assertThat(f.lostBeforeShare()).as("steady state: %s", f).isLessThan(0.2);
    assertThat(f.failoverMs()).as("%s", f).isLessThan(1000);
    assertThat(f.lostAfterRestoreShare()).as("after the restore: %s", f).isLessThan(0.2);
    assertThat(f.path2AfterRestore())
        .as("path 2 carries the stream again: %s", f)
        .isGreaterThan(2000);
  }
}
