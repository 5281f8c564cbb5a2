package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.AgentMain;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * architecture.md §6 "Restart" with a real agent process: two pods ping each other through it; the
 * agent is killed with SIGKILL under the running ping; the pods keep their interface; a new agent
 * re-attaches the taps and the ping resumes. The gap (longest run of lost echo replies × interval)
 * is printed.
 */
class AgentRestartTest {
  static Process startAgent(Path dir) throws Exception {
    return startAgent(dir, "agent.err");
  }

  /** As {@link #startAgent(Path)}, stderr to {@code dir/errFile}. */
  static Process startAgent(Path dir, String errFile) throws Exception {
    return startAgent(dir, errFile, List.of());
  }

  /** As {@link #startAgent(Path, String)}, the JVM started with {@code jvmArgs}. */
  static Process startAgent(Path dir, String errFile, List<String> jvmArgs) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd = new ArrayList<>();
    cmd.add(java);
    cmd.addAll(jvmArgs);
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            AgentMain.class.getName(),
            "--standalone",
            "--cni-socket",
            dir.resolve("cni.sock").toString(),
            "--state-dir",
            dir.resolve("state").toString(),
            "--run-dir",
            dir.resolve("run").toString(),
            "--node-name",
            "n1",
            "--health-port",
            "-1",
            "--metrics-port",
            "-1"));
    Process p = new ProcessBuilder(cmd).redirectError(dir.resolve(errFile).toFile()).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line = out.readLine();
    assertThat(line)
        .as("agent start-up line; stderr: " + dir.resolve(errFile))
        .startsWith("kubevde-agent: ready");
    return p;
  }

  /** Prints the start-up milestones ({@code start-up: …}) of the agent log {@code err}. */
  static void printTimeline(Path err) throws java.io.IOException {
    for (String l : Files.readAllLines(err)) {
      if (l.contains("start-up: ")) System.out.println("TIMELINE " + l);
    }
  }

  static void kill(Process p) throws InterruptedException {
    p.destroyForcibly();
    p.waitFor(10, TimeUnit.SECONDS);
  }

  @Test
  void kill9UnderPingKeepsTheInterfaceAndTrafficResumes() throws Exception {
    Host.requireRoot();
    Path dir = Files.createTempDirectory("kvrestart");
    Process agent = null, agent2 = null, ping = null;
    try (Netns netns = new Netns()) {
      agent = startAgent(dir);
      String a = netns.create(), b = netns.create();
      CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
      for (String[] pod : new String[][] {{"xa", a}, {"xb", b}}) {
        Map<String, String> env =
            new HashMap<>(
                Map.of(
                    "CNI_COMMAND",
                    "ADD",
                    "CNI_CONTAINERID",
                    pod[0],
                    "CNI_NETNS",
                    Netns.path(pod[1]),
                    "CNI_IFNAME",
                    "net1",
                    "CNI_PATH",
                    "/opt/cni/bin",
                    "CNI_ARGS",
                    "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + pod[0],
                    AgentProtocol.SOCKET_ENV,
                    dir.resolve("cni.sock").toString()));
        assertThat(plugin.run(env, DataPlaneTest.config("default/dp")).exitCode()).isZero();
      }
      String ipB = DataPlaneTest.addressOf(b);
      assertThat(DataPlaneTest.ping(a, ipB, 2)).isTrue();
      // 0.05 s interval, ~14 s: kill at ~3 s, restart right away
      ping =
          new ProcessBuilder(
                  "ip", "netns", "exec", a, "ping", "-O", "-D", "-i", "0.05", "-W", "1", "-c",
                  "280", ipB)
              .redirectErrorStream(true)
              .start();
      Thread.sleep(3000);
      kill(agent);
      assertThat(Sh.exec("ip", "-n", a, "link", "show", "net1").exitCode())
          .as("interface stays")
          .isZero();
      long t0 = System.nanoTime();
      agent2 = startAgent(dir, "agent2.err");
      long restartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      ping.waitFor(60, TimeUnit.SECONDS);
      // longest run of missing icmp_seq
      Matcher m = Pattern.compile("\\[(\\d+\\.\\d+)] .*icmp_seq=(\\d+) ttl").matcher(out);
      List<Integer> seqs = new ArrayList<>();
      double maxSilence = 0, prev = -1;
      while (m.find()) {
        seqs.add(Integer.parseInt(m.group(2)));
        double t = Double.parseDouble(m.group(1));
        if (prev >= 0) maxSilence = Math.max(maxSilence, t - prev);
        prev = t;
      }
      assertThat(seqs).as("replies after the restart\n" + out).isNotEmpty();
      int maxGap = 0;
      for (int i = 1; i < seqs.size(); i++)
        maxGap = Math.max(maxGap, seqs.get(i) - seqs.get(i - 1) - 1);
      int last = seqs.getLast();
      // requests sent while no agent reads the tap wait in the tap's queue and are answered late:
      // the silence
      // (longest time without a reply) is the gap a user sees; lost = requests never answered
      System.out.printf(
          "RESULT agent_restart_gap_ms=%d lost_in_a_row=%d restart_to_ready_ms=%d replies=%d/280"
              + " last_seq=%d%n",
          Math.round(maxSilence * 1000), maxGap, restartMs, seqs.size(), last);
      // measured over 6 runs (2 cores shared with other builds): last_seq 280 every time, 267-271
      // replies,
      // 9-13 requests lost in a row, silence 1.6-2.6 s, restart_to_ready 0.6-1.5 s: the last one is
      // answered
      printTimeline(dir.resolve("agent2.err"));
      assertThat(last).as("traffic resumed until the end").isEqualTo(280);
      assertThat(maxSilence)
          .as("silence while the agent was down (s)")
          .isGreaterThan(0.2)
          .isLessThan(15);
      assertThat(DataPlaneTest.ping(a, ipB, 3)).isTrue();
    } finally {
      if (ping != null) ping.destroyForcibly();
      if (agent != null) kill(agent);
      if (agent2 != null) kill(agent2);
      Dirs.deleteTree(dir);
    }
  }

  /**
   * Issue 12: a pure-L2 attachment (no IPAM: the tap has no address at all) is re-attached by a
   * restarted agent. The tap was looked up through java.net.NetworkInterface, which does not list
   * an interface without addresses; the taps get their addresses only after the restart here, so
   * the ping proves that the restarted agent re-opened both address-less taps.
   */
  @Test
  void pureL2AttachmentsSurviveAnAgentRestart() throws Exception {
    Host.requireRoot();
    Path dir = Files.createTempDirectory("kvrestartl2");
    Process agent = null, agent2 = null;
    try (Netns netns = new Netns("kvl2")) {
      agent = startAgent(dir);
      String a = netns.create(), b = netns.create();
      CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
      String l2 =
          "{\"cniVersion\":\"1.1.0\",\"name\":\"l2\",\"type\":\"kubevde\","
              + "\"network\":\"default/l2\"}";
      for (String[] pod : new String[][] {{"la", a}, {"lb", b}}) {
        Map<String, String> env =
            new HashMap<>(
                Map.of(
                    "CNI_COMMAND",
                    "ADD",
                    "CNI_CONTAINERID",
                    pod[0],
                    "CNI_NETNS",
                    Netns.path(pod[1]),
                    "CNI_IFNAME",
                    "net1",
                    "CNI_PATH",
                    "/opt/cni/bin",
                    "CNI_ARGS",
                    "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + pod[0],
                    AgentProtocol.SOCKET_ENV,
                    dir.resolve("cni.sock").toString()));
        CniPlugin.Outcome o = plugin.run(env, l2);
        assertThat(o.exitCode()).as("L2-only ADD: %s %s", o.stdout(), o.stderr()).isZero();
        assertThat(Sh.run("ip", "-n", pod[1], "-o", "addr", "show", "dev", "net1"))
            .as("no address on an L2-only tap")
            .doesNotContain("inet ");
      }
      kill(agent);
      assertThat(Sh.run("ip", "-n", a, "link", "show", "net1"))
          .as("the tap stays, without its reader")
          .contains("NO-CARRIER");
      agent2 = startAgent(dir);
      for (String ns : List.of(a, b)) {
        org.awaitility.Awaitility.await("re-attached tap in " + ns + " has carrier")
            .atMost(java.time.Duration.ofSeconds(20))
            .until(() -> !Sh.run("ip", "-n", ns, "link", "show", "net1").contains("NO-CARRIER"));
      }
      Sh.run("ip", "-n", a, "addr", "add", "192.168.78.1/24", "dev", "net1");
      Sh.run("ip", "-n", b, "addr", "add", "192.168.78.2/24", "dev", "net1");
      assertThat(DataPlaneTest.ping(a, "192.168.78.2", 3))
          .as("L2 traffic between the re-attached taps")
          .isTrue();
    } finally {
      if (agent != null) kill(agent);
      if (agent2 != null) kill(agent2);
      Dirs.deleteTree(dir);
    }
  }
}
