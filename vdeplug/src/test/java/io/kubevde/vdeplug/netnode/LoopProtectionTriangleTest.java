package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.stp.PortRole;
import io.kubevde.vdeplug.netnode.stp.PortState;
import io.kubevde.vdeplug.netnode.stp.StpTimers;
import io.kubevde.vdeplug.testing.InNetns;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 16 point 2: three switch netnodes (each with its rendezvous, as the agent runs one per
 * network) joined in a triangle by real {@code vde://} links: switch X has a port that is a {@code
 * vde://} client of switch Y (the agent's VdeLink shape), A→B, B→C, C→A. Without protection one
 * broadcast circulates for ever (the rate is measured); storm control alone bounds it; with the
 * spanning tree the broadcast is seen once per switch, pings between namespaces pass, and after the
 * forwarding link A–B is cut the pings resume through C (the outage is measured).
 */
class LoopProtectionTriangleTest {
  private static final byte[] BROADCAST_PROBE = broadcastProbe();
  private final List<Netnode> nodes = new ArrayList<>();
  private final List<String> namespaces = new ArrayList<>();
  private final List<Closeable> observers = new ArrayList<>();
  private Path dir;

  @AfterEach
  void tearDown() throws Exception {
    for (Closeable c : observers) c.close();
    for (Netnode n : nodes) n.close();
    for (String ns : namespaces) Sh.exec("ip", "netns", "del", ns);
    if (dir != null) Sh.exec("rm", "-rf", dir.toString());
  }

  private static byte[] broadcastProbe() {
    byte[] f = new byte[60];
    for (int i = 0; i < 6; i++) f[i] = (byte) 0xff;
    f[6] = 0x02;
    f[11] = 0x42;
    f[12] = (byte) 0x88;
    f[13] = (byte) 0xb5;
    return f;
  }

  /**
   * The three switches A, B, C and their links; returns [linkAB on A, linkBC on B, linkCA on C].
   */
  private int[] triangle(PortLimits limits, boolean stp) throws Exception {
    dir = Files.createTempDirectory("kvloop");
    String[] names = {"a", "b", "c"};
    for (int i = 0; i < 3; i++) {
      NetnodeConfig at = NetnodeConfig.at(dir.resolve(names[i]));
      Netnode n = Netnode.open(NetnodeKind.SWITCH, at.withLimits(limits));
      if (stp) {
        // A wins the root election (lower priority); B's MAC is lower than C's
        n.enableLoopProtection(
            new LoopProtectionConfig(
                i == 0 ? 0x1000 : 0x8000, 0x00ff_0000_0a00L + i, StpTimers.DEFAULT, false, null));
      }
      nodes.add(n);
    }
    int[] links = new int[3];
    for (int i = 0; i < 3; i++) {
      Netnode from = nodes.get(i);
      Path to = dir.resolve(names[(i + 1) % 3]);
      Plug plug = Plugs.open("vde://" + to, OpenArgs.DEFAULT);
      links[i] = from.addPort(plug, "link to " + to.getFileName(), limits, false);
    }
    return links;
  }

  private AtomicLong countBroadcasts() {
    AtomicLong seen = new AtomicLong();
    for (Netnode n : nodes) {
      observers.add(
          n.observe(
              (port, frame) -> {
                int p = frame.position();
                if (port != 0 // not the injection itself
                    && frame.getInt(p) == -1
                    && frame.getShort(p + 4) == -1
                    && frame.get(p + 11) == 0x42) seen.incrementAndGet();
              }));
    }
    return seen;
  }

  /** Broadcast frames per second entering the three switches, over {@code ms}. */
  private static double rate(AtomicLong counter, long ms) throws InterruptedException {
    long before = counter.get();
    long t0 = System.nanoTime();
    Thread.sleep(ms);
    long n = counter.get() - before;
    return n * 1e9 / (System.nanoTime() - t0);
  }

  private void injectOneBroadcast() throws Exception {
    nodes.get(0).send(ByteBuffer.wrap(BROADCAST_PROBE));
  }

  /**
   * Broadcast frames per second entering the switches over {@code ms} while A's host sends {@code
   * perSecond} broadcasts per second (ARP-like background traffic).
   */
  private double rateWhileInjecting(AtomicLong counter, int perSecond, long ms) throws Exception {
    Thread t =
        Thread.ofPlatform()
            .start(
                () -> {
                  try {
                    while (!Thread.currentThread().isInterrupted()) {
                      injectOneBroadcast();
                      Thread.sleep(1000 / perSecond);
                    }
                  } catch (Exception e) {
                    // interrupted: done
                  }
                });
    try {
      Thread.sleep(300);
      return rate(counter, ms);
    } finally {
      t.interrupt();
      t.join();
    }
  }

  @Test
  void withoutProtectionOneBroadcastStormsForEver() throws Exception {
    triangle(PortLimits.NONE, false);
    AtomicLong seen = countBroadcasts();
    Thread.sleep(300); // the links' rendezvous handshakes are done when addPort returns
    injectOneBroadcast();
    Thread.sleep(200);
    double pps = rate(seen, 2000);
    System.out.printf(
        "[loop] no protection, no storm control, ONE broadcast sent: %.0f frames/s 2 s later%n",
        pps);
    // one frame, sent once, is still circulating 2 s later at thousands of frames per second
    assertThat(pps).isGreaterThan(1000);
  }

  @Test
  void stormControlAloneBoundsTheStormButAmplifiesEveryBroadcast() throws Exception {
    PortLimits limits = new PortLimits(0, 0, 200, 200);
    triangle(limits, false);
    AtomicLong seen = countBroadcasts();
    Thread.sleep(300);
    double pps = rateWhileInjecting(seen, 20, 2000);
    System.out.printf(
        "[loop] storm control 200/s per port, no spanning tree, 20 broadcasts/s sent: %.0f"
            + " frames/s%n",
        pps);
    // each broadcast loops until a port's bucket refuses it: far more than the 3 copies a tree
    // makes, but at most the six link ports' limits (plus their 40-frame bursts)
    assertThat(pps).isGreaterThan(20 * 3 * 2).isLessThan(6 * 200 * 1.3);
  }

  @Test
  void spanningTreeBlocksOneLinkPingsPassAndACutLinkIsReplacedQuickly() throws Exception {
    Requirements.assumeRoot();
    Requirements.assumeTools("ping", "ip");
    int[] links = triangle(PortLimits.DEFAULT, true);
    awaitConverged(5000);
    LoopProtection.Status a = nodes.get(0).loopProtection().orElseThrow().status();
    assertThat(a.rootId()).isEqualTo(a.bridgeId());
    assertThat(blockedPorts()).as("exactly one blocked end in the triangle").isEqualTo(1);
    LoopProtection.Status c = nodes.get(2).loopProtection().orElseThrow().status();
    assertThat(c.ports())
        .anySatisfy(v -> assertThat(v.role()).isEqualTo(PortRole.ALTERNATE))
        .as("C's end of the B-C link is the blocked one");

    AtomicLong seen = countBroadcasts();
    injectOneBroadcast();
    Thread.sleep(300);
    long total = seen.get();
    double idle = rate(seen, 1000);
    // B floods it to C too, where the blocked end drops it: 3 receptions, none forwarded again
    assertThat(total).as("A -> B, A -> C, B -> C's blocked end").isEqualTo(3);
    assertThat(idle).isZero();
    double pps = rateWhileInjecting(seen, 20, 2000);
    System.out.printf(
        "[loop] spanning tree: one broadcast entered the switches %d times, then %.1f frames/s;"
            + " 20 broadcasts/s sent: %.0f frames/s%n",
        total, idle, pps);
    assertThat(pps).isLessThan(20 * 3 * 1.5);

    String[] ns = new String[3];
    String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
    for (int i = 0; i < 3; i++) {
      ns[i] = "kvlp" + tag + i;
      Sh.run("ip", "netns", "add", ns[i]);
      namespaces.add(ns[i]);
      final String name = ns[i];
      Plug tap = InNetns.call(name, () -> Plugs.open("tap://kvlp0", OpenArgs.DEFAULT));
      nodes.get(i).addPort(tap, "pod " + i, PortLimits.DEFAULT, true);
      NetnsPair.configureTap(
          name, "kvlp0", "192.168.79." + (i + 1) + "/24", "52:54:00:79:00:0" + (i + 1), 10_000);
    }
    assertThat(NetnsPair.awaitPing(ns[0], "192.168.79.2", 10_000)).isTrue();
    assertThat(NetnsPair.pingLoss(ns[0], "192.168.79.2", 10, 56)).isEqualTo(0.0);
    assertThat(NetnsPair.pingLoss(ns[0], "192.168.79.3", 10, 56)).isEqualTo(0.0);
    assertThat(NetnsPair.pingLoss(ns[1], "192.168.79.3", 10, 56)).isEqualTo(0.0);

    // ping A -> B every 10 ms while the forwarding link A-B is cut
    Process ping =
        new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                ns[0],
                "ping",
                "-D",
                "-i",
                "0.01",
                "-c",
                "400",
                "-W",
                "1",
                "192.168.79.2")
            .redirectErrorStream(true)
            .start();
    Thread.sleep(1500);
    double cutAt = System.currentTimeMillis() / 1000.0;
    assertThat(nodes.get(0).removePort(links[0])).isTrue();
    String out = new String(ping.getInputStream().readAllBytes());
    ping.waitFor();
    Outage o = outage(out, cutAt);
    System.out.printf(
        "[loop] link A-B cut: %d of %d pings (every 10 ms) lost, longest gap between replies %.0f"
            + " ms%n",
        o.lost(), o.sent(), o.gapMs());
    assertThat(o.gapMs()).as(out).isGreaterThan(0).isLessThan(1000);
    assertThat(NetnsPair.pingLoss(ns[0], "192.168.79.2", 10, 56)).isEqualTo(0.0);
    assertThat(blockedPorts()).as("the former alternate forwards now").isZero();
    LoopProtection.Status b = nodes.get(1).loopProtection().orElseThrow().status();
    assertThat(b.rootId()).isEqualTo(a.bridgeId());
  }

  private long blockedPorts() {
    long n = 0;
    for (Netnode node : nodes) {
      for (var v : node.loopProtection().orElseThrow().status().ports()) {
        if (v.role() != PortRole.EDGE && v.state() != PortState.FORWARDING) n++;
      }
    }
    return n;
  }

  private void awaitConverged(long ms) throws InterruptedException {
    long end = System.currentTimeMillis() + ms;
    long root = nodes.get(0).loopProtection().orElseThrow().status().bridgeId();
    while (System.currentTimeMillis() < end) {
      boolean ok = blockedPorts() == 1;
      for (Netnode n : nodes) ok &= n.loopProtection().orElseThrow().status().rootId() == root;
      if (ok) return;
      Thread.sleep(20);
    }
    throw new AssertionError("the tree did not converge within " + ms + " ms");
  }

  /**
   * @param sent pings sent
   * @param lost pings without a reply
   * @param gapMs the longest time between two consecutive replies from just before the cut on (the
   *     outage; 10 ms when nothing was lost)
   */
  record Outage(int sent, int lost, double gapMs) {}

  /** Reads {@code ping -D} output: the replies' epoch-second stamps around the cut. */
  static Outage outage(String out, double cutAt) {
    Matcher m = Pattern.compile("\\[([0-9.]+)\\] .*icmp_seq=([0-9]+)").matcher(out);
    double prev = Double.NaN, gap = 0;
    while (m.find()) {
      double t = Double.parseDouble(m.group(1));
      if (t < cutAt - 0.05) {
        prev = t;
        continue;
      }
      if (!Double.isNaN(prev)) gap = Math.max(gap, t - prev);
      prev = t;
    }
    Matcher s = Pattern.compile("([0-9]+) packets transmitted, ([0-9]+) received").matcher(out);
    int sent = 0, got = 0;
    if (s.find()) {
      sent = Integer.parseInt(s.group(1));
      got = Integer.parseInt(s.group(2));
    }
    return new Outage(sent, sent - got, gap * 1000);
  }
}
