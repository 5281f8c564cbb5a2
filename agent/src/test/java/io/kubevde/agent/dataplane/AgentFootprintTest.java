package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Memory and threads of a real agent process (issue 15 item 3) at 0, 100 and 250 pod attachments on
 * 3 networks, with the JVM options the chart gives the agent ({@link #JVM}): RSS, heap used after a
 * full GC, threads and open fds, printed as {@code RESULT footprint ...} lines. What it holds the
 * agent to: per attachment at most 2 threads and 4 fds, and RSS at 100 attachments within 192 MiB.
 */
class AgentFootprintTest {
  /**
   * The agent DaemonSet's JVM options (charts/kubevde values {@code agent.javaOptions}: keep
   * equal).
   */
  static final List<String> JVM =
      List.of(
          "-XX:+UseSerialGC",
          "-Xms16m",
          "-Xmx64m",
          "-Xss256k",
          "-XX:ReservedCodeCacheSize=32m",
          "-XX:MaxDirectMemorySize=96m",
          "-XX:-UsePerfData",
          "-XX:TrimNativeHeapInterval=1000");

  record Sample(int attachments, long rssKib, long heapUsedKib, int threads, int fds) {}

  @Test
  void footprintAt0_100_250Attachments() throws Exception {
    Host.requireRoot();
    Path dir = Files.createTempDirectory("kvfoot");
    Process agent = null;
    List<Sample> samples = new ArrayList<>();
    try (Netns netns = new Netns("kvft")) {
      agent = AgentRestartTest.startAgent(dir, "agent.err", JVM);
      long pid = agent.pid();
      CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
      samples.add(sample(pid, 0));
      int n = 0;
      for (int target : new int[] {100, 250}) {
        for (; n < target; n++) {
          String ns = netns.create();
          String id = "f" + n;
          assertThat(
                  plugin
                      .run(
                          AgentHandoverTest.env(dir, id, ns, "ADD"),
                          DataPlaneTest.config("default/m" + (n % 3)))
                      .exitCode())
              .as("ADD " + id)
              .isZero();
        }
        samples.add(sample(pid, target));
      }
      for (Sample s : samples)
        System.out.printf(
            "RESULT footprint attachments=%d rss_mib=%.1f heap_used_mib=%.1f threads=%d fds=%d%n",
            s.attachments(), s.rssKib() / 1024.0, s.heapUsedKib() / 1024.0, s.threads(), s.fds());
      Sample s0 = samples.get(0), s100 = samples.get(1), s250 = samples.get(2);
      assertThat(s250.threads() - s0.threads())
          .as("threads per attachment")
          .isLessThanOrEqualTo(500);
      assertThat(s250.fds() - s0.fds()).as("fds per attachment").isLessThanOrEqualTo(1000);
      assertThat(s100.rssKib() / 1024).as("RSS MiB at 100 attachments").isLessThanOrEqualTo(192);
    } finally {
      if (agent != null) AgentRestartTest.kill(agent);
      Dirs.deleteTree(dir);
    }
  }

  static Sample sample(long pid, int attachments) throws Exception {
    Sh.run("jcmd", String.valueOf(pid), "GC.run");
    Thread.sleep(500);
    String status = Files.readString(Path.of("/proc/" + pid + "/status"));
    long rss = field(status, "VmRSS");
    int threads = (int) field(status, "Threads");
    int fds;
    try (var s = Files.list(Path.of("/proc/" + pid + "/fd"))) {
      fds = (int) s.count();
    }
    String heap = Sh.run("jcmd", String.valueOf(pid), "GC.heap_info");
    long used = 0; // the generations' "used NK", not Metaspace's
    for (String line : heap.split("\n")) {
      if (line.contains("Metaspace") || line.contains("class space")) continue;
      Matcher m = Pattern.compile("used (\\d+)K").matcher(line);
      if (m.find()) used += Long.parseLong(m.group(1));
    }
    return new Sample(attachments, rss, used, threads, fds);
  }

  private static long field(String status, String name) {
    Matcher m = Pattern.compile(name + ":\\s+(\\d+)").matcher(status);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}
