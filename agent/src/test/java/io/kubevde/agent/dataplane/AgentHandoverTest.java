package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
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
 * Hitless agent replacement (agent/README.md "Hand-over"), real agent processes: two pods ping each
 * other every 10 ms through agent 1; agent 2 starts beside it, takes over the open taps over the
 * hand-over socket, agent 1 stops and exits. No echo request or reply is lost (the old agent's
 * readers forward the frame they hold before they stop; the new agent reads the queued frames only
 * once both taps are ports of its switch), and the new agent serves CNI requests afterwards.
 */
class AgentHandoverTest {
  private static final int COUNT = 500;

  @Test
  void aNewAgentTakesOverUnderA10msPingWithoutLoss() throws Exception {
    Host.requireRoot();
    Path dir = Files.createTempDirectory("kvhandover");
    Process agent = null, agent2 = null, ping = null;
    try (Netns netns = new Netns("kvho")) {
      agent = AgentRestartTest.startAgent(dir);
      String a = netns.create(), b = netns.create(), c = netns.create();
      CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
      for (String[] pod : new String[][] {{"ha", a}, {"hb", b}})
        assertThat(
                plugin
                    .run(env(dir, pod[0], pod[1], "ADD"), DataPlaneTest.config("default/ho"))
                    .exitCode())
            .isZero();
      String ipB = DataPlaneTest.addressOf(b);
      assertThat(DataPlaneTest.ping(a, ipB, 2)).isTrue();
      ping =
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  a,
                  "ping",
                  "-D",
                  "-i",
                  "0.01",
                  "-W",
                  "2",
                  "-c",
                  String.valueOf(COUNT),
                  ipB)
              .redirectErrorStream(true)
              .start();
      Thread.sleep(1500);
      BufferedReader out1 =
          new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
      long t0 = System.nanoTime();
      agent2 = AgentRestartTest.startAgent(dir, "agent2.err");
      long readyMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      java.util.concurrent.CompletableFuture<String> last =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return out1.readLine();
                } catch (java.io.IOException e) {
                  return e.toString();
                }
              });
      assertThat(last.get(15, TimeUnit.SECONDS))
          .as("old agent's last line")
          .startsWith("kubevde-agent: handed over");
      assertThat(agent.waitFor(10, TimeUnit.SECONDS)).as("old agent exits").isTrue();
      assertThat(agent.exitValue()).isZero();
      String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      ping.waitFor(60, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("\\[(\\d+\\.\\d+)] .*icmp_seq=(\\d+) ttl").matcher(out);
      List<Integer> seqs = new ArrayList<>();
      double maxSilence = 0, prev = -1;
      while (m.find()) {
        seqs.add(Integer.parseInt(m.group(2)));
        double t = Double.parseDouble(m.group(1));
        if (prev >= 0) maxSilence = Math.max(maxSilence, t - prev);
        prev = t;
      }
      String err2 = Files.readString(dir.resolve("agent2.err"));
      System.out.printf(
          "RESULT handover_lost=%d replies=%d/%d max_silence_ms=%d new_agent_ready_ms=%d%n",
          COUNT - seqs.size(), seqs.size(), COUNT, Math.round(maxSilence * 1000), readyMs);
      assertThat(err2).contains("hand-over: took 2 tap(s)");
      assertThat(COUNT - seqs.size())
          .as("echo requests lost across the hand-over\n" + out)
          .isZero();
      // the new agent serves CNI: a third pod joins and reaches the first
      assertThat(
              plugin.run(env(dir, "hc", c, "ADD"), DataPlaneTest.config("default/ho")).exitCode())
          .isZero();
      assertThat(DataPlaneTest.ping(c, DataPlaneTest.addressOf(a), 3)).isTrue();
    } finally {
      if (ping != null) ping.destroyForcibly();
      if (agent != null) AgentRestartTest.kill(agent);
      if (agent2 != null) AgentRestartTest.kill(agent2);
      Dirs.deleteTree(dir);
    }
  }

  static Map<String, String> env(Path dir, String id, String ns, String cmd) {
    return new HashMap<>(
        Map.of(
            "CNI_COMMAND",
            cmd,
            "CNI_CONTAINERID",
            id,
            "CNI_NETNS",
            Netns.path(ns),
            "CNI_IFNAME",
            "net1",
            "CNI_PATH",
            "/opt/cni/bin",
            "CNI_ARGS",
            "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + id,
            AgentProtocol.SOCKET_ENV,
            dir.resolve("cni.sock").toString()));
  }
}
