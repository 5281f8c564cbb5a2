package io.kubevde.vdeplug.handoff;

import io.kubevde.vdeplug.handoff.HandoffLab.Impl;
import io.kubevde.vdeplug.handoff.HandoffLab.LinkPath;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The three measured scenarios of issue 3 on a {@link HandoffLab}, shared by the JUnit tests and
 * {@code bench/handoff} ({@link HandoffBench}). Streams are 64-byte UDP datagrams with sequence
 * numbers from A's tap to B's tap ({@code bench/lib/udpseq.py}); every count is made at B by
 * sequence number.
 */
public final class HandoffScenarios {
  /** Stream rate, datagrams per second. */
  public static final int PPS = 10_000;

  /** Shaped rate of each bonding path, Mbit/s (tbf on both veth ends). */
  public static final int RATE_MBIT = 50;

  private HandoffScenarios() {}

  /**
   * What B's receiver saw: sent, distinct and duplicate datagrams, and the loss groups [from, to,
   * missing].
   */
  public record Stream(long sent, long distinct, long dups, List<long[]> gaps) {
    @Override
    public String toString() {
      StringBuilder g = new StringBuilder();
      for (int i = 0; i < Math.min(8, gaps.size()); i++)
        g.append(' ')
            .append(gaps.get(i)[0])
            .append('-')
            .append(gaps.get(i)[1])
            .append(':')
            .append(gaps.get(i)[2]);
      return "Stream[sent="
          + sent
          + ", lost="
          + lost()
          + ", dups="
          + dups
          + ", gaps="
          + gaps.size()
          + ":"
          + g
          + "]";
    }

    /** Datagrams sent but never received. */
    public long lost() {
      return sent - distinct;
    }

    static Stream parse(String sender, String receiver) {
      Matcher s = Pattern.compile("sent (\\d+)").matcher(sender);
      Matcher r =
          Pattern.compile("recv distinct=(\\d+) dups=(\\d+) max=(-?\\d+) gaps=(\\S+)")
              .matcher(receiver);
      if (!s.find() || !r.find())
        throw new AssertionError("stream tools failed: " + sender + " / " + receiver);
      List<long[]> gaps = new ArrayList<>();
      if (!r.group(4).equals("none")) {
        for (String g : r.group(4).split(",")) {
          String[] ab = g.split("[-:]");
          gaps.add(
              new long[] {Long.parseLong(ab[0]), Long.parseLong(ab[1]), Long.parseLong(ab[2])});
        }
      }
      return new Stream(
          Long.parseLong(s.group(1)), Long.parseLong(r.group(1)), Long.parseLong(r.group(2)), gaps);
    }
  }

  /**
   * Hand-off result: the stream and the median ping RTT A→B (ms) over path 1 alone before the
   * stream.
   */
  public record Handoff(Stream stream, double medianRttMs) {}

  /**
   * Issue 3 item 2: multi nodes, stream path 1 ({@code vde_plug vde://A = vde_plug vde://B}); a 10k
   * pps stream for 6 s; after 1.5 s stream path 2 is added, once it carried 2000 frames (≥ 128 KB
   * read by its far end) path 1 is removed (its processes killed).
   *
   * @param options Java VNL options ({@code "[dedup]"} or ""); ignored for C
   */
  public static Handoff handoff(Impl impl, String options) {
    try (HandoffLab lab = HandoffLab.start(impl, "multi", options);
        LinkPath p1 = lab.addStreamPath(1)) {
      double rtt = lab.medianRttMs(200);
      Proc rx = lab.startReceiver(7000);
      Proc tx = lab.startSender(7000, PPS, 6);
      HandoffLab.dueSeq(tx, PPS);
      HandoffLab.sleep(1500);
      try (LinkPath p2 = lab.addStreamPath(2)) {
        long start = HandoffLab.streamPathBytes(p2);
        long deadline = System.currentTimeMillis() + 15_000;
        while (HandoffLab.streamPathBytes(p2) - start < 2000 * 66) {
          if (System.currentTimeMillis() > deadline)
            throw new AssertionError("path 2 carries no traffic");
          HandoffLab.sleep(10);
        }
        p1.close();
        String sent = HandoffLab.await(tx, 60_000);
        String recv = HandoffLab.await(rx, 60_000);
        lab.assertNodesAlive();
        return new Handoff(Stream.parse(sent, recv), rtt);
      } finally {
        tx.close();
        rx.close();
      }
    }
  }

  /**
   * Bonding throughput: iperf3 TCP A→B over path 1 alone, then over paths 1+2, each shaped to
   * {@link #RATE_MBIT}.
   */
  public record Bonding(double singleMbit, double bondedMbit) {
    /** Aggregate over single-path throughput. */
    public double ratio() {
      return bondedMbit / singleMbit;
    }
  }

  /** Issue 3 item 3, throughput part ({@code options}: Java VNL options, ignored for C). */
  public static Bonding bonding(Impl impl, String options, int seconds) {
    try (HandoffLab lab = HandoffLab.start(impl, "bonding", options);
        LinkPath p1 = lab.addPath(1)) {
      lab.shape(1, RATE_MBIT);
      double single = lab.iperfMbit(seconds);
      try (LinkPath p2 = lab.addPath(2)) {
        lab.shape(2, RATE_MBIT);
        double bonded = lab.iperfMbit(seconds);
        lab.assertNodesAlive();
        return new Bonding(single, bonded);
      }
    }
  }

  /**
   * Failover result: {@code failoverMs} = sending time from the cut to the last datagram lost in
   * the bond pattern (every other one: the bond still feeds the dead link) before the restore; runs
   * of consecutive losses are CPU-load hiccups of the tools and link processes and do not count; ≈
   * the cut length (2500 ms) when the bond never stops feeding the dead link; {@code lostBefore} =
   * lost until 0.5 s before the cut (steady state); {@code lostDuringCut}; {@code lostAfterRestore}
   * (from 0.5 s after the veth came back); {@code path2AfterRestore} = packets path 2 carried A→B
   * after it came back; {@code sentBefore} and {@code sentAfterRestore} = datagrams the sender sent
   * in the windows {@code lostBefore} and {@code lostAfterRestore} count.
   */
  public record Failover(
      Stream stream,
      double failoverMs,
      long lostBefore,
      long lostDuringCut,
      long lostAfterRestore,
      long path2AfterRestore,
      long sentBefore,
      long sentAfterRestore) {

    /** Share of the steady-state window's datagrams lost, 0..1. */
    public double lostBeforeShare() {
      return sentBefore <= 0 ? 0 : (double) lostBefore / sentBefore;
    }

    /** Share of the after-restore window's datagrams lost, 0..1. */
    public double lostAfterRestoreShare() {
      return sentAfterRestore <= 0 ? 0 : (double) lostAfterRestore / sentAfterRestore;
    }
  }

  /**
   * Issue 3 item 3, health part: bonding nodes with paths 1 and 2, a 10k pps stream for 7 s; after
   * 2 s path 2's veth in B goes down (its link processes live on, frames vanish), 2.5 s later it
   * comes back.
   */
  public static Failover failover(Impl impl, String options) {
    try (HandoffLab lab = HandoffLab.start(impl, "bonding", options);
        LinkPath p1 = lab.addPath(1);
        LinkPath p2 = lab.addPath(2)) {
      if (!NetnsPair.awaitPing(lab.ns().a(), HandoffLab.IP_B, 20_000))
        throw new AssertionError("no ping over the bond");
      Proc rx = lab.startReceiver(7001);
      Proc tx = lab.startSender(7001, PPS, 7);
      try {
        HandoffLab.dueSeq(tx, PPS);
        HandoffLab.sleep(2000);
        long cutSeq = HandoffLab.dueSeq(tx, PPS);
        lab.setVethB(2, false);
        HandoffLab.sleep(2500);
        long restoreSeq = HandoffLab.dueSeq(tx, PPS);
        lab.setVethB(2, true);
        long atRestore = lab.rxPacketsB(2);
        String sent = HandoffLab.await(tx, 60_000);
        long path2 = lab.rxPacketsB(2) - atRestore;
        String recv = HandoffLab.await(rx, 60_000);
        lab.assertNodesAlive();
        Stream s = Stream.parse(sent, recv);
        // a bond still feeding the dead link loses every other datagram (a loss group missing < 75
        // % of
        // its span); CPU-load hiccups of the tools and link processes lose runs of consecutive
        // datagrams and
        // do not count as failover time
        long before = 0;
        long during = 0;
        long after = 0;
        long bondFrom = -1;
        long bondTo = -1;
        for (long[] g : s.gaps()) {
          if (g[0] < cutSeq - PPS / 2) {
            before += g[2];
          } else if (g[0] < restoreSeq) {
            during += g[2];
            if (g[2] < 0.75 * (g[1] - g[0] + 1)) {
              if (bondFrom < 0) bondFrom = g[0];
              bondTo = Math.min(g[1], restoreSeq);
            }
          } else if (g[0] > restoreSeq + PPS / 2) {
            after += g[2];
          }
        }
        double ms = bondFrom < 0 ? 0 : (bondTo - Math.min(bondFrom, cutSeq) + 1) * 1000.0 / PPS;
        long sentBefore = Math.max(0, cutSeq - PPS / 2);
        long sentAfter = Math.max(0, s.sent() - (restoreSeq + PPS / 2));
        return new Failover(s, ms, before, during, after, path2, sentBefore, sentAfter);
      } finally {
        tx.close();
        rx.close();
      }
    }
  }
}
