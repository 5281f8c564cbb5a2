package io.kubevde.vdeplug.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An interop scenario of vde-protocols.md §11: a {@link NetnsPair} (underlay 10.77.0.x / fd77::x),
 * a plug in each namespace (C {@code vde_plug}, Java {@code vde_plug} as a subprocess, or a kernel
 * vxlan device), the overlay taps configured with 192.168.77.1/24 (A) and 192.168.77.2/24 (B), MTU
 * 1450. Checks what a user sees: ping loss both ways and a 1 MB iperf3 transfer each way. {@link
 * #close} kills every process it started (by PID) and deletes the namespaces.
 */
public final class OverlayLab implements AutoCloseable {
  /** Overlay address of side A. */
  public static final String OVERLAY_A = "192.168.77.1";

  /** Overlay address of side B. */
  public static final String OVERLAY_B = "192.168.77.2";

  /** The tap name used on both sides. */
  public static final String TAP = "kvt0";

  private final NetnsPair pair;
  private final List<Proc> procs = new ArrayList<>();

  private OverlayLab(NetnsPair pair) {
    this.pair = pair;
  }

  /** A new lab with underlay MTU 1500. */
  public static OverlayLab create() {
    return new OverlayLab(NetnsPair.create());
  }

  /** The namespaces. */
  public NetnsPair pair() {
    return pair;
  }

  /** Starts the C {@code vde_plug VNL tap://kvt0} in {@code ns}. */
  public Proc cPlug(String ns, String vnl) {
    return track(Proc.start("c-vde_plug", ns, List.of("vde_plug", vnl, "tap://" + TAP)));
  }

  /**
   * Starts the Java {@code vde_plug VNL tap://kvt0} in {@code ns} (a subprocess on the test class
   * path).
   */
  public Proc javaPlug(String ns, String vnl) {
    return track(Proc.start("java-vde_plug", ns, JavaCli.vdePlug(vnl, "tap://" + TAP)));
  }

  /**
   * Starts the Java {@code vde_plug VNL TAPVNL} in {@code ns}, e.g. with {@code
   * tap://kvt0/offload}.
   */
  public Proc javaPlug(String ns, String vnl, String tapVnl) {
    return track(Proc.start("java-vde_plug", ns, JavaCli.vdePlug(vnl, tapVnl)));
  }

  /**
   * The tap's kernel counters in {@code ns}: {@code [rx bytes, rx packets, tx bytes, tx packets]}
   * (rx = frames the plug wrote into the kernel, tx = frames the plug read).
   */
  public long[] tapCounters(String ns) {
    String out = Sh.run("ip", "-n", ns, "-s", "-j", "link", "show", TAP);
    long[] r = new long[4];
    String[] keys = {"\"rx\"", "\"tx\""};
    for (int k = 0; k < 2; k++) {
      Matcher m =
          Pattern.compile(
                  keys[k]
                      + "\\s*:\\s*\\{\\s*\"bytes\"\\s*:\\s*(\\d+)\\s*,\\s*\"packets\"\\s*:\\s*(\\d+)")
              .matcher(out);
      if (!m.find()) throw new AssertionError("no " + keys[k] + " counters in: " + out);
      r[2 * k] = Long.parseLong(m.group(1));
      r[2 * k + 1] = Long.parseLong(m.group(2));
    }
    return r;
  }

  /** Tracks a process so that {@link #close} stops it. */
  public Proc track(Proc p) {
    procs.add(p);
    return p;
  }

  /**
   * Waits for the tap in {@code ns}, gives it MTU 1450, {@code ip}/24 and MAC 52:54:00:00:00:{@code
   * n}, up.
   */
  public void tap(String ns, String ip, int n) {
    NetnsPair.configureTap(ns, TAP, ip + "/24", String.format("52:54:00:00:00:%02x", n), 60_000);
    Sh.run("ip", "-n", ns, "link", "set", TAP, "mtu", "1450");
  }

  /** Configures both taps (A = .1, B = .2). */
  public void taps() {
    tap(pair.a(), OVERLAY_A, 1);
    tap(pair.b(), OVERLAY_B, 2);
  }

  /**
   * Asserts pings work A→B and B→A with 0 % loss (after a first successful ping, allowing for JVM
   * start-up).
   */
  public void assertPingBothWays() {
    assertThat(NetnsPair.awaitPing(pair.a(), OVERLAY_B, 60_000))
        .as("first ping A->B; " + logs())
        .isTrue();
    assertThat(NetnsPair.pingLoss(pair.a(), OVERLAY_B, 10, 56))
        .as("ping loss A->B; " + logs())
        .isZero();
    assertThat(NetnsPair.pingLoss(pair.b(), OVERLAY_A, 10, 56))
        .as("ping loss B->A; " + logs())
        .isZero();
  }

  /**
   * Asserts iperf3 TCP moves at least 1 MiB A→B and B→A (server in B, client in A, with and without
   * -R), as counted by the receiving side. A 3-second run is used rather than {@code -n 1M}: with
   * {@code -n}, iperf3 stops the receiver's count when the sender has <em>written</em> the last
   * byte, so data still in flight is not counted.
   */
  public void assertMegabyteBothWays() {
    Proc server =
        track(Proc.start("iperf3-server", pair.b(), List.of("iperf3", "-s", "-p", "5201")));
    for (int i = 0;
        i < 50
            && !Sh.exec("ip", "netns", "exec", pair.b(), "ss", "-ltn", "sport = :5201")
                .output()
                .contains("5201");
        i++) {
      sleep(100);
    }
    try {
      for (boolean reverse : new boolean[] {false, true}) {
        List<String> cmd =
            new ArrayList<>(
                List.of(
                    "ip",
                    "netns",
                    "exec",
                    pair.a(),
                    "timeout",
                    "90",
                    "iperf3",
                    "-c",
                    OVERLAY_B,
                    "-p",
                    "5201",
                    "-t",
                    "3",
                    "-J",
                    "--connect-timeout",
                    "10000"));
        if (reverse) cmd.add("-R");
        Sh.Result r = Sh.exec(cmd.toArray(String[]::new));
        Matcher m =
            Pattern.compile("\"sum_received\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)")
                .matcher(r.output());
        assertThat(m.find())
            .as("iperf3 " + (reverse ? "-R " : "") + "result: " + r.output() + logs())
            .isTrue();
        assertThat(Long.parseLong(m.group(1)))
            .as("bytes received " + (reverse ? "B->A" : "A->B"))
            .isGreaterThanOrEqualTo(1 << 20);
      }
    } finally {
      server.close();
    }
  }

  /** Output of every process started, for assertion messages. */
  public String logs() {
    StringBuilder b = new StringBuilder();
    for (Proc p : procs) b.append("\n--- ").append(p).append(":\n").append(p.output());
    return b.toString();
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
    for (Proc p : procs) p.close();
    pair.close();
  }
}
