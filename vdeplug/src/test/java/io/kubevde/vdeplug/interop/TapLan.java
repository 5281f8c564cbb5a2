package io.kubevde.vdeplug.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Two network namespaces (a {@link NetnsPair}) with one tap each, named uniquely, plus the checks
 * every interop test makes: the taps get 192.168.77.1/24 (A) and 192.168.77.2/24 (B), then ping
 * with 0 % loss and an iperf3 1 MB transfer each way. Processes started through {@link #start} are
 * stopped (by PID) on {@link #close}, before the namespaces are deleted.
 */
final class TapLan implements AutoCloseable {
  static final String IP_A = "192.168.77.1";
  static final String IP_B = "192.168.77.2";
  static final long ONE_MB = 1024 * 1024;

  final NetnsPair ns;
  final String tapA;
  final String tapB;
  private final List<Proc> procs = new ArrayList<>();

  TapLan() {
    ns = NetnsPair.create();
    String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
    tapA = "kt" + tag + "a";
    tapB = "kt" + tag + "b";
  }

  String a() {
    return ns.a();
  }

  String b() {
    return ns.b();
  }

  /** Starts a process (in {@code netns}, null = host) that is stopped on {@link #close}. */
  Proc start(String name, String netns, List<String> cmd) {
    Proc p = Proc.start(name, netns, cmd);
    procs.add(p);
    return p;
  }

  /** Registers a process started elsewhere for stopping on {@link #close}. */
  Proc adopt(Proc p) {
    procs.add(p);
    return p;
  }

  /**
   * Waits for both taps (created by the plugs under test), addresses them and brings them up (MTU
   * 1400).
   */
  void configureTaps() {
    NetnsPair.configureTap(a(), tapA, IP_A + "/24", "52:54:00:00:00:01", 30_000);
    NetnsPair.configureTap(b(), tapB, IP_B + "/24", "52:54:00:00:00:02", 30_000);
    Sh.run("ip", "-n", a(), "link", "set", tapA, "mtu", "1400");
    Sh.run("ip", "-n", b(), "link", "set", tapB, "mtu", "1400");
  }

  /**
   * Asserts: ping both ways with 0 % loss, an iperf3 1 MB run each way (exit 0), and an exact 1 MB
   * TCP transfer each way (byte count and SHA-256 checked by {@code interop/xfer.py}).
   */
  void assertPingAndMegabyteBothWays() {
    assertThat(NetnsPair.awaitPing(a(), IP_B, 30_000))
        .as("first ping A -> B; " + outputs())
        .isTrue();
    assertThat(NetnsPair.pingLoss(a(), IP_B, 10, 56))
        .as("ping loss A -> B; " + outputs())
        .isEqualTo(0.0);
    assertThat(NetnsPair.pingLoss(b(), IP_A, 10, 1000))
        .as("ping loss B -> A (1000 bytes); " + outputs())
        .isEqualTo(0.0);
    int port = ThreadLocalRandom.current().nextInt(20000, 30000);
    Proc server =
        start(
            "iperf3-server",
            b(),
            List.of("iperf3", "-s", "-p", Integer.toString(port), "-B", IP_B));
    iperf(port, false);
    iperf(port, true);
    server.close();
    assertThat(exactTransfer(a(), b(), IP_B, port + 1))
        .as("1 MB A -> B; " + outputs())
        .isEqualTo("OK " + ONE_MB);
    assertThat(exactTransfer(b(), a(), IP_A, port + 2))
        .as("1 MB B -> A; " + outputs())
        .isEqualTo("OK " + ONE_MB);
  }

  /**
   * Sends exactly 1 MB over TCP from {@code fromNs} to a sink in {@code toNs} at {@code ip};
   * returns "OK n" or why not.
   */
  private String exactTransfer(String fromNs, String toNs, String ip, int port) {
    String script = xferScript();
    Proc sink =
        start("xfer-sink", toNs, List.of("python3", script, "sink", ip, Integer.toString(port)));
    Sh.Result r =
        Sh.exec(
            "ip",
            "netns",
            "exec",
            fromNs,
            "python3",
            script,
            "send",
            ip,
            Integer.toString(port),
            Long.toString(ONE_MB));
    sink.close();
    return r.output().trim();
  }

  private static synchronized String xferScript() {
    try {
      java.nio.file.Path p =
          java.nio.file.Path.of(
              System.getProperty("java.io.tmpdir"),
              "kubevde-xfer-" + ProcessHandle.current().pid() + ".py");
      if (!java.nio.file.Files.exists(p)) {
        try (var in = TapLan.class.getResourceAsStream("/interop/xfer.py")) {
          java.nio.file.Files.write(p, in.readAllBytes());
        }
        p.toFile().deleteOnExit();
      }
      return p.toString();
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Runs an iperf3 client in A sending 1 MB to B ({@code reverse}: B sends to A); asserts it
   * completed.
   */
  private void iperf(int port, boolean reverse) {
    Sh.Result last = null;
    for (int attempt = 0; attempt < 10; attempt++) {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  a(),
                  "iperf3",
                  "-c",
                  IP_B,
                  "-p",
                  Integer.toString(port),
                  "-n",
                  "1M",
                  "--json",
                  "--connect-timeout",
                  "5000"));
      if (reverse) cmd.add("-R");
      last = Sh.exec(cmd.toArray(String[]::new));
      Matcher m =
          Pattern.compile("\"sum_sent\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)")
              .matcher(last.output());
      if (last.exitCode() == 0 && m.find()) {
        assertThat(Long.parseLong(m.group(1)))
            .as("iperf3 bytes sent")
            .isGreaterThanOrEqualTo(ONE_MB);
        return;
      }
      NetnsPairSleep.sleep(500);
    }
    throw new AssertionError(
        "iperf3 " + (reverse ? "B -> A" : "A -> B") + " failed: " + last.output() + outputs());
  }

  /**
   * Waits until a UDP socket is bound to {@code port} in {@code netns} (a Java plug finished
   * starting).
   */
  void awaitUdpPort(String netns, int port) {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      if (Sh.exec("ip", "netns", "exec", netns, "ss", "-Hunl", "sport", "= :" + port)
          .output()
          .contains(":" + port)) return;
      NetnsPairSleep.sleep(100);
    }
    throw new AssertionError(
        "nothing bound UDP port " + port + " in " + netns + " within 60 s" + outputs());
  }

  String outputs() {
    StringBuilder b = new StringBuilder();
    for (Proc p : procs)
      b.append("\n--- ")
          .append(p)
          .append(p.alive() ? " (running)" : " (exited)")
          .append(":\n")
          .append(p.output());
    return b.toString();
  }

  @Override
  public void close() {
    for (int i = procs.size() - 1; i >= 0; i--) procs.get(i).close();
    ns.close();
  }

  /** Tiny sleep helper. */
  static final class NetnsPairSleep {
    static void sleep(long ms) {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
