package io.kubevde.vdeplug.handoff;

import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hand-off / bonding test bed of issue 3 (vde-protocols.md §6-7): network namespaces A and B
 * joined by two veth pairs (path 1: 10.77.0.1-.2 on the {@link NetnsPair} veth, path 2:
 * 10.77.1.1-.2 on a second veth). In each namespace a netnode ({@code multi://} or {@code
 * bonding://}, Java or C) whose host is a C {@code vde_plug ptp://… tap://kvtap0} (tap 192.168.77.1
 * in A, .2 in B). A "path" is a pair of C link processes {@code vde_plug vde://NODE
 * udp://LOCAL:PORT->PEER:PORT} over its veth. {@code net.unix.max_dgram_qlen} is raised to 10000
 * datagrams inside A and B only (it is per network namespace; the host keeps its value) so that no
 * AF_UNIX queue overflows at 10k frames/s under CPU load; IPv6 is off inside A and B. {@link
 * #close} kills every process and deletes both namespaces (and with them the veths and taps) and
 * the temp dir.
 */
public final class HandoffLab implements AutoCloseable {
  /** Tap address in A. */
  public static final String IP_A = "192.168.77.1";

  /** Tap address in B. */
  public static final String IP_B = "192.168.77.2";

  /** Which implementation runs the two netnodes. */
  public enum Impl {
    JAVA,
    C
  }

  /** One path: its index (1 or 2), the link process in A and the one in B. */
  public record LinkPath(int index, Proc inA, Proc inB) implements AutoCloseable {
    /** Kills the A side first (no new frames enter), then the B side. */
    @Override
    public void close() {
      inA.kill();
      inB.kill();
    }
  }

  private final NetnsPair ns;
  private final String veth2A;
  private final String veth2B;
  private final Path dir;
  private final List<Proc> procs = new ArrayList<>();

  private HandoffLab(NetnsPair ns, String veth2A, String veth2B, Path dir) {
    this.ns = ns;
    this.veth2A = veth2A;
    this.veth2B = veth2B;
    this.dir = dir;
  }

  /**
   * Builds the namespaces and both veths and starts the two nodes.
   *
   * @param impl Java ({@code vdeplug} CLI on the test class path) or Debian's C {@code vde_plug}
   * @param kind {@code multi} or {@code bonding}
   * @param options Java-only VNL options such as {@code [dedup]} or {@code [health]} ("" for none;
   *     ignored for C)
   */
  public static HandoffLab start(Impl impl, String kind, String options) {
    NetnsPair ns = NetnsPair.create();
    String tag = ns.a().substring(2, ns.a().length() - 1);
    HandoffLab lab = new HandoffLab(ns, "kv" + tag + "c", "kv" + tag + "d", Proc.tempDir("kvhl"));
    try {
      lab.setUp(impl, kind, options);
    } catch (RuntimeException | Error e) {
      lab.close();
      throw e;
    }
    return lab;
  }

  private void setUp(Impl impl, String kind, String options) {
    Sh.run("ip", "link", "add", veth2A, "type", "veth", "peer", "name", veth2B);
    Sh.run("ip", "link", "set", veth2A, "netns", ns.a());
    Sh.run("ip", "link", "set", veth2B, "netns", ns.b());
    Sh.run("ip", "-n", ns.a(), "addr", "add", "10.77.1.1/24", "dev", veth2A);
    Sh.run("ip", "-n", ns.b(), "addr", "add", "10.77.1.2/24", "dev", veth2B);
    Sh.run("ip", "-n", ns.a(), "link", "set", veth2A, "up");
    Sh.run("ip", "-n", ns.b(), "link", "set", veth2B, "up");
    for (String n : List.of(ns.a(), ns.b())) {
      // per network namespace (net->unx.sysctl_max_dgram_qlen, tcp_reordering): the host is
      // untouched
      Sh.run("ip", "netns", "exec", n, "sysctl", "-qw", "net.unix.max_dgram_qlen=10000");
      Sh.run("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv4.tcp_reordering=127");
      // no IPv6 chatter (router/neighbour solicitations) from the taps: a C udp link end exits on
      // the ICMP
      // port-unreachable such a frame provokes while its peer end is not up yet
      Sh.run("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1");
      Sh.run("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1");
    }
    startSide(impl, kind, options, ns.a(), "a");
    startSide(impl, kind, options, ns.b(), "b");
    NetnsPair.configureTap(ns.a(), "kvtap0", IP_A + "/24", "52:54:00:77:00:01", 20_000);
    NetnsPair.configureTap(ns.b(), "kvtap0", IP_B + "/24", "52:54:00:77:00:02", 20_000);
    // the sender catches up in bursts after being descheduled; the tap's default 500-frame queue
    // would drop them
    Sh.run("ip", "-n", ns.a(), "link", "set", "kvtap0", "txqueuelen", "10000");
    Sh.run("ip", "-n", ns.b(), "link", "set", "kvtap0", "txqueuelen", "10000");
  }

  private void startSide(Impl impl, String kind, String options, String netns, String side) {
    String node = kind + "://" + dir.resolve(side);
    String ptp = "ptp://" + dir.resolve("h" + side);
    List<String> cmd =
        impl == Impl.JAVA ? JavaCli.vdePlug(node + options, ptp) : List.of("vde_plug", node, ptp);
    procs.add(Proc.start(impl + "-" + kind + "-" + side, netns, cmd));
    long deadline = System.currentTimeMillis() + 30_000;
    while (!Files.exists(dir.resolve(side).resolve("ctl"))) {
      procs.getLast().assertAlive();
      if (System.currentTimeMillis() > deadline)
        throw new AssertionError("node " + node + " did not start");
      sleep(50);
    }
    procs.add(Proc.start("tap-" + side, netns, List.of("vde_plug", ptp, "tap://kvtap0")));
  }

  /** The namespaces. */
  public NetnsPair ns() {
    return ns;
  }

  /** The veth device of path {@code index} (1 or 2) inside B. */
  public String vethB(int index) {
    return index == 1 ? ns.vethB() : veth2B;
  }

  /** The veth device of path {@code index} (1 or 2) inside A. */
  public String vethA(int index) {
    return index == 1 ? ns.vethA() : veth2A;
  }

  /**
   * Starts path {@code index}: the B side, then the A side. A C udp link end exits on the ICMP
   * port-unreachable its first frame provokes while the other end is not bound yet (heartbeats of
   * {@code [health]} make that likely), so both are started again until both live for 1 s (at most
   * 10 attempts).
   */
  public LinkPath addPath(int index) {
    String net = "10.77." + (index - 1) + ".";
    int port = 5000 + index;
    for (int attempt = 1; ; attempt++) {
      Proc b =
          Proc.start(
              "path" + index + "-B",
              ns.b(),
              List.of(
                  "vde_plug",
                  "vde://" + dir.resolve("b"),
                  "udp://" + net + "2:" + port + "->" + net + "1:" + port));
      Proc a =
          Proc.start(
              "path" + index + "-A",
              ns.a(),
              List.of(
                  "vde_plug",
                  "vde://" + dir.resolve("a"),
                  "udp://" + net + "1:" + port + "->" + net + "2:" + port));
      sleep(1000);
      if (a.alive() && b.alive()) {
        // resolve the underlay neighbours now: frames queued behind an unresolved ARP entry beyond
        // neigh unres_qlen (101) would be lost when the stream starts
        Sh.exec("ip", "netns", "exec", ns.a(), "ping", "-c", "1", "-W", "2", net + "2");
        Sh.exec("ip", "netns", "exec", ns.b(), "ping", "-c", "1", "-W", "2", net + "1");
        return new LinkPath(index, a, b);
      }
      a.kill();
      b.kill();
      if (attempt == 10)
        throw new AssertionError(
            "path " + index + " link processes keep exiting: " + a.output() + b.output());
    }
  }

  /**
   * Starts stream path {@code index} (the issue's {@code vde_plug … = vde_plug …}): one C {@code
   * vde_plug vde://A} in A whose frames travel as the §5 stream through a pipe pair to a C {@code
   * vde_plug vde://B} started in B ({@code ip netns exec B vde_plug vde://B} after {@code =}).
   * Pipes block, so this path only loses frames when a node drops them. {@link LinkPath#inB} is the
   * A process too (killing it ends both).
   */
  public LinkPath addStreamPath(int index) {
    Proc p =
        Proc.start(
            "stream-path" + index,
            ns.a(),
            List.of(
                "vde_plug",
                "vde://" + dir.resolve("a"),
                "=",
                "ip",
                "netns",
                "exec",
                ns.b(),
                "vde_plug",
                "vde://" + dir.resolve("b")));
    sleep(500);
    p.assertAlive();
    return new LinkPath(index, p, p);
  }

  /**
   * Bytes the far end of stream path {@code p} has read from its pipe so far ({@code rchar} of
   * /proc/PID/io).
   */
  public static long streamPathBytes(LinkPath p) {
    long max = 0;
    for (ProcessHandle h : p.inA().process().descendants().toList()) {
      try {
        for (String line : Files.readAllLines(Path.of("/proc/" + h.pid() + "/io"))) {
          if (line.startsWith("rchar:"))
            max = Math.max(max, Long.parseLong(line.substring(6).trim()));
        }
      } catch (java.io.IOException | RuntimeException e) {
        // gone
      }
    }
    return max;
  }

  /** Packets received so far by path {@code index}'s veth in B (its link's traffic A→B). */
  public long rxPacketsB(int index) {
    return Long.parseLong(
        Sh.run(
                "ip",
                "netns",
                "exec",
                ns.b(),
                "cat",
                "/sys/class/net/" + vethB(index) + "/statistics/rx_packets")
            .trim());
  }

  /**
   * Waits (≤ {@code timeoutMs}) until path {@code index} carried at least {@code packets} more
   * packets A→B.
   */
  public void awaitTraffic(int index, long packets, long timeoutMs) {
    long start = rxPacketsB(index);
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (rxPacketsB(index) - start < packets) {
      if (System.currentTimeMillis() > deadline)
        throw new AssertionError("path " + index + " carries no traffic");
      sleep(20);
    }
  }

  /**
   * Shapes both directions of path {@code index} with tbf to {@code mbit} Mbit/s (egress of both
   * veth ends).
   */
  public void shape(int index, int mbit) {
    for (String[] dev : new String[][] {{ns.a(), vethA(index)}, {ns.b(), vethB(index)}}) {
      Sh.run(
          "tc",
          "-n",
          dev[0],
          "qdisc",
          "replace",
          "dev",
          dev[1],
          "root",
          "tbf",
          "rate",
          mbit + "mbit",
          "burst",
          "64kb",
          "latency",
          "20ms");
    }
  }

  /**
   * Sets path {@code index}'s veth in B up or down (down: the link process lives on, its frames
   * vanish).
   */
  public void setVethB(int index, boolean up) {
    Sh.run("ip", "-n", ns.b(), "link", "set", vethB(index), up ? "up" : "down");
  }

  /** Median ping RTT A→B in ms over {@code count} pings 10 ms apart (after one warm-up ping). */
  public double medianRttMs(int count) {
    NetnsPair.awaitPing(ns.a(), IP_B, 20_000);
    Sh.Result r =
        Sh.exec(
            "ip",
            "netns",
            "exec",
            ns.a(),
            "ping",
            "-c",
            Integer.toString(count),
            "-i",
            "0.01",
            "-W",
            "2",
            IP_B);
    Matcher m = Pattern.compile("time=([0-9.]+) ms").matcher(r.output());
    List<Double> t = new ArrayList<>();
    while (m.find()) t.add(Double.parseDouble(m.group(1)));
    if (t.isEmpty()) throw new AssertionError("no ping replies: " + r.output());
    t.sort(null);
    return t.get(t.size() / 2);
  }

  /**
   * TCP throughput A→B in Mbit/s: {@code iperf3 -t seconds} (receiver side), one attempt after the
   * server is up.
   */
  public double iperfMbit(int seconds) {
    NetnsPair.awaitPing(ns.a(), IP_B, 20_000);
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
                Integer.toString(seconds + 30),
                "iperf3",
                "-c",
                IP_B,
                "-t",
                Integer.toString(seconds),
                "-J");
        if (r.exitCode() == 0 || !r.output().contains("Connection refused")) break;
        sleep(250);
      }
      Matcher m =
          Pattern.compile(
                  "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bits_per_second\"\\s*:\\s*([0-9.eE+]+)")
              .matcher(r.output());
      if (r.exitCode() != 0 || !m.find()) throw new AssertionError("iperf3 failed: " + r.output());
      return Double.parseDouble(m.group(1)) / 1e6;
    }
  }

  /**
   * Starts the numbered-stream receiver in B on UDP port {@code port}; it stops after 2 s without
   * datagrams.
   */
  public Proc startReceiver(int port) {
    Proc p =
        Proc.start(
            "udpseq-recv",
            ns.b(),
            List.of("python3", udpseq().toString(), "recv", Integer.toString(port), "2"));
    long deadline = System.currentTimeMillis() + 20_000;
    while (!p.output().contains("ready")) {
      p.assertAlive();
      if (System.currentTimeMillis() > deadline) throw new AssertionError("receiver did not start");
      sleep(20);
    }
    return p;
  }

  /** Starts the sender in A: {@code pps} datagrams/s for {@code seconds} s to B's tap address. */
  public Proc startSender(int port, int pps, double seconds) {
    return Proc.start(
        "udpseq-send",
        ns.a(),
        List.of(
            "python3",
            udpseq().toString(),
            "send",
            IP_B,
            Integer.toString(port),
            Integer.toString(pps),
            Double.toString(seconds)));
  }

  /**
   * The sequence number the sender in {@code p} is due to send now: it prints its start time
   * ({@code start T}, CLOCK_MONOTONIC seconds, the clock of {@link System#nanoTime()} on Linux) and
   * datagram k is due at T + k/pps.
   */
  public static long dueSeq(Proc p, int pps) {
    long deadline = System.currentTimeMillis() + 20_000;
    Matcher m;
    while (!(m = Pattern.compile("start ([0-9.]+)").matcher(p.output())).find()) {
      if (System.currentTimeMillis() > deadline)
        throw new AssertionError("sender did not start: " + p.output());
      sleep(10);
    }
    return (long) ((System.nanoTime() / 1e9 - Double.parseDouble(m.group(1))) * pps);
  }

  /** Waits for a stream process to end (≤ {@code timeoutMs}) and returns its output. */
  public static String await(Proc p, long timeoutMs) {
    try {
      if (!p.process().waitFor(timeoutMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw new AssertionError(p + " did not finish: " + p.output());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
    return p.output();
  }

  /** bench/lib/udpseq.py, found from the working directory upwards. */
  static Path udpseq() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path p = d.resolve("bench/lib/udpseq.py");
      if (Files.exists(p)) return p;
    }
    throw new IllegalStateException(
        "bench/lib/udpseq.py not found above " + Path.of("").toAbsolutePath());
  }

  /** Fails with every process's output when a node or host plug has exited. */
  public void assertNodesAlive() {
    for (Proc p : procs) p.assertAlive();
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
    for (Proc p : procs.reversed()) p.close();
    ns.close();
    Sh.exec("rm", "-rf", dir.toString());
  }
}
