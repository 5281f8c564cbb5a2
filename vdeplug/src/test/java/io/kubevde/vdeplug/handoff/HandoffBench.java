package io.kubevde.vdeplug.handoff;

import io.kubevde.vdeplug.handoff.HandoffLab.Impl;
import java.util.Locale;

/**
 * {@code bench/handoff}: runs the hand-off, bonding-throughput and failover scenarios ({@link
 * HandoffScenarios}) once with Java netnodes ({@code multi://…[dedup]}, plain {@code multi://},
 * {@code bonding://…[health]}) and once with Debian's C netnodes (C {@code vde_plug … multi://} /
 * {@code bonding://}) on the same bed, prints a table and as last line {@code RESULT
 * handoff_lost=<n> handoff_dup_suppressed=<n> handoff_dup_plain=<n> bonding_over_single=<x>
 * failover_ms=<t>} (Java numbers: lost and duplicates with {@code [dedup]}, duplicates of plain
 * Java multi, bonded over single-path TCP throughput, failover time with {@code [health]}).
 */
public final class HandoffBench {
  private HandoffBench() {}

  /** Entry point; args: none. Needs root and Debian's vde_plug, iperf3, tc, python3. */
  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("failover")) {
      System.out.println(HandoffScenarios.failover(Impl.JAVA, "[health]"));
      System.out.println(HandoffScenarios.failover(Impl.C, ""));
      return;
    }
    if (args.length > 0 && args[0].equals("handoff")) {
      System.out.println(HandoffScenarios.handoff(Impl.JAVA, "[dedup]"));
      System.out.println(HandoffScenarios.handoff(Impl.JAVA, ""));
      return;
    }
    HandoffScenarios.Handoff jd = HandoffScenarios.handoff(Impl.JAVA, "[dedup]");
    HandoffScenarios.Handoff jp = HandoffScenarios.handoff(Impl.JAVA, "");
    HandoffScenarios.Handoff c = HandoffScenarios.handoff(Impl.C, "");
    HandoffScenarios.Bonding jb = HandoffScenarios.bonding(Impl.JAVA, "[health]", 8);
    HandoffScenarios.Bonding cb = HandoffScenarios.bonding(Impl.C, "", 8);
    HandoffScenarios.Failover jf = HandoffScenarios.failover(Impl.JAVA, "[health]");
    HandoffScenarios.Failover cf = HandoffScenarios.failover(Impl.C, "");
    System.out.printf(
        Locale.ROOT,
        "hand-off: multi, stream paths (vde_plug = vde_plug), 10k pps UDP A->B for 6 s, path 2 added at 1.5 s, path 1 removed once path 2 carried 2000 frames%n");
    System.out.printf(
        Locale.ROOT, "%-22s %8s %8s %8s %12s%n", "node", "sent", "lost", "dups", "rtt_p50_ms");
    row("java multi[dedup]", jd);
    row("java multi (plain)", jp);
    row("C multi", c);
    System.out.printf(
        Locale.ROOT,
        "%nbonding: 2 udp paths, each tbf %d Mbit/s, iperf3 TCP A->B 8 s%n",
        HandoffScenarios.RATE_MBIT);
    System.out.printf(
        Locale.ROOT, "%-22s %12s %12s %8s%n", "node", "1path_Mbit", "2paths_Mbit", "ratio");
    System.out.printf(
        Locale.ROOT,
        "%-22s %12.1f %12.1f %8.2f%n",
        "java bonding[health]",
        jb.singleMbit(),
        jb.bondedMbit(),
        jb.ratio());
    System.out.printf(
        Locale.ROOT,
        "%-22s %12.1f %12.1f %8.2f%n",
        "C bonding",
        cb.singleMbit(),
        cb.bondedMbit(),
        cb.ratio());
    System.out.printf(
        Locale.ROOT,
        "%nfailover: 2 paths, 10k pps UDP A->B 7 s, path 2 veth down at 2 s for 2.5 s%n");
    System.out.printf(
        Locale.ROOT,
        "%-22s %12s %12s %10s %14s %16s%n",
        "node",
        "failover_ms",
        "lost_before",
        "lost_cut",
        "lost_restored",
        "path2_pkts_back");
    frow("java bonding[health]", jf);
    frow("C bonding", cf);
    System.out.printf(
        Locale.ROOT,
        "%nloss groups (from-to:missing): java dedup %s | java plain %s | C multi %s%n",
        jd.stream(),
        jp.stream(),
        c.stream());
    System.out.printf(Locale.ROOT, "failover detail: java %s | C %s%n", jf.stream(), cf.stream());
    System.out.printf(
        Locale.ROOT,
        "RESULT handoff_lost=%d handoff_dup_suppressed=%d handoff_dup_plain=%d bonding_over_single=%.2f failover_ms=%.0f%n",
        jd.stream().lost(),
        jd.stream().dups(),
        jp.stream().dups(),
        jb.ratio(),
        jf.failoverMs());
  }

  private static void row(String name, HandoffScenarios.Handoff h) {
    System.out.printf(
        Locale.ROOT,
        "%-22s %8d %8d %8d %12.3f%n",
        name,
        h.stream().sent(),
        h.stream().lost(),
        h.stream().dups(),
        h.medianRttMs());
  }

  private static void frow(String name, HandoffScenarios.Failover f) {
    System.out.printf(
        Locale.ROOT,
        "%-22s %12.0f %12d %10d %14d %16d%n",
        name,
        f.failoverMs(),
        f.lostBefore(),
        f.lostDuringCut(),
        f.lostAfterRestore(),
        f.path2AfterRestore());
  }
}
