package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.AgentMain;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.KubeApi;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The crash path (agent/README.md "Crash path", issue 15 point 2): node 1's agent is a real process
 * that is killed with SIGKILL and started again at once, while a pod on node 2 pings a pod on node
 * 1 every 10 ms across a vxvde-unicast uplink (agents on 127.0.0.1 and 127.0.0.2, their networks
 * from the network cache: the API server is unreachable, as it may be after a node reboot). The
 * restarted agent restores the data plane from node-local state before it parses its flags or loads
 * its control plane ({@code EarlyStart}); the longest silence of the ping is printed as {@code
 * RESULT kill9_gap_ms=…} (bench/upgrade (b)) with the new agent's start-up timeline.
 */
class AgentCrashRestartTest {
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @Test
  void kill9AndRestartOfOneNodesAgentResumesCrossNodeTrafficFast() throws Exception {
    Host.requireRoot();
    Path dir = Files.createTempDirectory("kvcrash");
    int port = 27000 + (int) (ProcessHandle.current().pid() % 1000);
    String net =
        ("{\"namespace\":\"default\",\"name\":\"cr\",\"uid\":\"u\",\"transport\":\"vxvde-unicast\","
                + "\"vni\":33,\"port\":%d,\"peers\":[\"127.0.0.1\",\"127.0.0.2\"]}")
            .formatted(port);
    Path kc = unreachableKubeconfig(dir);
    Path n1 = dir.resolve("n1");
    AgentConfig n2 = node(dir.resolve("n2"), "n2", "127.0.0.2", kc);
    new NetworkCache(n1.resolve("state/networks")).save("default/cr", net);
    new NetworkCache(n2.stateDir().resolve("networks")).save("default/cr", net);
    Process agent = null, agent2 = null, ping = null;
    Agent b = null;
    try (Netns netns = new Netns("kvcr")) {
      agent = startAgent(n1, kc, "127.0.0.1", "agent.err");
      b = new Agent(n2);
      b.start();
      String pa = netns.create(), pb = netns.create();
      assertThat(cni(n1.resolve("cni.sock"), "ca", pa, "192.168.79.10").exitCode()).isZero();
      assertThat(cni(n2.cniSocket(), "cb", pb, "192.168.79.20").exitCode()).isZero();
      String ipA = "192.168.79.10";
      assertThat(Sh.exec("ip", "netns", "exec", pb, "ping", "-c", "3", "-W", "2", ipA).exitCode())
          .as("cross-node ping before")
          .isZero();
      int count = 800; // 8 s at 10 ms
      ping =
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  pb,
                  "ping",
                  "-D",
                  "-i",
                  "0.01",
                  "-W",
                  "2",
                  "-c",
                  String.valueOf(count),
                  ipA)
              .redirectErrorStream(true)
              .start();
      Thread.sleep(1500);
      agent.destroyForcibly(); // SIGKILL
      agent.waitFor(10, TimeUnit.SECONDS);
      assertThat(Sh.exec("ip", "-n", pa, "link", "show", "net1").exitCode())
          .as("the pod's interface outlives the agent")
          .isZero();
      agent2 = startAgent(n1, kc, "127.0.0.1", "agent2.err");
      String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      ping.waitFor(60, TimeUnit.SECONDS);
      Matcher m = Pattern.compile("\\[(\\d+\\.\\d+)] .*icmp_seq=(\\d+) ttl").matcher(out);
      int replies = 0, last = 0;
      double maxSilence = 0, prev = -1;
      while (m.find()) {
        replies++;
        last = Integer.parseInt(m.group(2));
        double t = Double.parseDouble(m.group(1));
        if (prev >= 0) maxSilence = Math.max(maxSilence, t - prev);
        prev = t;
      }
      List<String> timeline = timeline(n1.resolve("agent2.err"));
      timeline.forEach(l -> System.out.println("TIMELINE " + l));
      System.out.printf(
          "RESULT kill9_gap_ms=%d replies=%d/%d last_seq=%d aot=%s%n",
          Math.round(maxSilence * 1000),
          replies,
          count,
          last,
          Boolean.getBoolean("kubevde.crash.aot") ? "on" : "off");
      assertThat(timeline)
          .as("the restarted agent restored its data plane before parsing its flags")
          .anyMatch(l -> l.contains("data plane restored") && l.contains("1 tap(s)"));
      assertThat(last).as("traffic resumed until the end\n" + out).isEqualTo(count);
      // the 500 ms target is the benchmark's (quiet machine); 3 s holds on a busy CI box, and a
      // machine loaded far beyond its cores (run queue > 2 per core) stretches every start-up
      double loadPerCore =
          java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage()
              / Runtime.getRuntime().availableProcessors();
      double bound = loadPerCore > 2 ? 15.0 : 3.0;
      System.out.printf("load per core %.1f: silence bound %.0f s%n", loadPerCore, bound);
      assertThat(maxSilence).as("longest silence (s)\n" + out).isLessThan(bound);
      assertThat(tunFds(agent2.pid(), "net1"))
          .as("exactly one open fd of the pod's tap in the restarted agent (no duplicate)")
          .isEqualTo(1);
      assertThat(Sh.exec("ip", "netns", "exec", pb, "ping", "-c", "3", "-W", "2", ipA).exitCode())
          .as("cross-node ping after the control plane started")
          .isZero();
    } finally {
      if (ping != null) ping.destroyForcibly();
      for (Process p : new Process[] {agent, agent2}) if (p != null) p.destroyForcibly();
      if (b != null) b.close();
      Dirs.deleteTree(dir);
    }
  }

  /**
   * The early data plane of a restarted agent serves the cached networks at once; a network whose
   * ConfigMap was deleted while no agent ran is removed once the control plane has synced with the
   * API server (real kube-apiserver).
   */
  @Test
  void aNetworkDeletedWhileTheAgentWasDownIsRemovedAfterTheInformerSynced() throws Exception {
    Host.requireRoot();
    KubeApi api = KubeApi.withKubevdeCrds();
    Path dir = Files.createTempDirectory("kvcrashgone");
    Path kc = dir.resolve("kubeconfig");
    Files.writeString(kc, api.kubeConfigYaml());
    Path n1 = dir.resolve("n1");
    // the state a killed agent leaves: its settings, a cached network (ConfigMap gone since)
    new NetworkCache(n1.resolve("state/networks"))
        .save(
            "default/gone",
            "{\"namespace\":\"default\",\"name\":\"gone\",\"uid\":\"g\",\"transport\":\"local\"}");
    new DataPlaneSettings(n1.resolve("run"), null, null, SwitchLimits.DEFAULT, 0600, true)
        .save(n1.resolve("state").resolve(DataPlaneSettings.FILE));
    Process agent = null;
    try {
      agent = startAgent(n1, kc, null, "agent.err");
      assertThat(timeline(n1.resolve("agent.err")))
          .as("the cached network came back before the control plane")
          .anyMatch(l -> l.contains("data plane restored") && l.contains("1 network(s)"));
      Path rendezvous = n1.resolve("run/net/default/gone");
      Awaitility.await("stale network removed after the informer synced")
          .atMost(Duration.ofSeconds(60))
          .until(() -> !Files.exists(rendezvous));
      Awaitility.await("its cache entry dropped")
          .atMost(Duration.ofSeconds(10))
          .until(() -> !Files.exists(n1.resolve("state/networks/default,gone.json")));
    } finally {
      if (agent != null) agent.destroyForcibly();
      Dirs.deleteTree(dir);
    }
  }

  /** Starts {@link AgentMain} as a process with Kubernetes on; returns once it printed "ready". */
  static Process startAgent(Path dir, Path kubeconfig, String address, String errFile)
      throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-XX:+UseSerialGC",
                "-XX:-UsePerfData",
                "-cp",
                System.getProperty("java.class.path"),
                AgentMain.class.getName(),
                "--kubeconfig",
                kubeconfig.toString(),
                "--config-namespace",
                "kubevde-system",
                "--cni-socket",
                dir.resolve("cni.sock").toString(),
                "--state-dir",
                dir.resolve("state").toString(),
                "--run-dir",
                dir.resolve("run").toString(),
                "--node-name",
                dir.getFileName().toString(),
                "--health-port",
                "-1",
                "--metrics-port",
                "-1"));
    if (address != null) cmd.addAll(List.of("--node-address", address));
    // more JVM options for a diagnosis (bench/upgrade), e.g.
    // -Xlog:class+load:file=/tmp/cl.log:uptime
    String extra = System.getProperty("kubevde.crash.jvm", "");
    if (!extra.isBlank()) cmd.addAll(1, List.of(extra.trim().split("\\s+")));
    if (Boolean.getBoolean("kubevde.crash.aot")) {
      // as in the agent image: the class path as jars, the AOT cache of AotTraining
      Aot aot = Aot.get();
      int cp = cmd.indexOf("-cp");
      cmd.set(cp + 1, aot.classPath());
      cmd.add(1, "-XX:AOTCache=" + aot.cache());
    }
    Process p = new ProcessBuilder(cmd).redirectError(dir.resolve(errFile).toFile()).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    assertThat(out.readLine())
        .as("agent start-up line; stderr: " + dir.resolve(errFile))
        .startsWith("kubevde-agent: ready");
    return p;
  }

  /** The {@code start-up: …} lines of an agent log. */
  static List<String> timeline(Path err) throws IOException {
    return Files.readAllLines(err).stream().filter(l -> l.contains("start-up: ")).toList();
  }

  /** How many of the process's open fds are tun/tap fds attached to interface {@code ifName}. */
  static int tunFds(long pid, String ifName) throws IOException {
    int n = 0;
    try (var s = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
      for (Path f : s.toList()) {
        try {
          if (Files.readAllLines(f).stream().anyMatch(l -> l.matches("iff:\\s+" + ifName))) n++;
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    return n;
  }

  private static Path unreachableKubeconfig(Path dir) throws IOException {
    Path kc = dir.resolve("kubeconfig");
    Files.writeString(
        kc,
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]
        users: [{name: u, user: {token: t}}]
        contexts: [{name: x, context: {cluster: c, user: u}}]
        current-context: x
        """);
    return kc;
  }

  private static AgentConfig node(Path dir, String name, String address, Path kubeconfig) {
    AgentConfig s = AgentConfig.standalone(dir, name);
    return new AgentConfig(
            s.cniSocket(),
            s.stateDir(),
            s.runDir(),
            s.underlayMtu(),
            name,
            address,
            null,
            false,
            null,
            s.configNamespace(),
            s.heartbeatMs(),
            -1,
            -1)
        .withKubernetes(kubeconfig, "kubevde-system", 10_000);
  }

  private CniPlugin.Outcome cni(Path socket, String id, String ns, String ip) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", "ADD");
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", Netns.path(ns));
    env.put("CNI_IFNAME", "net1");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + id);
    env.put(AgentProtocol.SOCKET_ENV, socket.toString());
    return plugin.run(
        env,
        "{\"cniVersion\":\"1.1.0\",\"name\":\"cr\",\"type\":\"kubevde\",\"network\":\"default/cr\","
            + "\"ipam\":{\"subnet\":\"192.168.79.0/24\",\"rangeStart\":\""
            + ip
            + "\",\"rangeEnd\":\""
            + ip
            + "\"}}");
  }

  /**
   * {@code -Dkubevde.crash.aot=true} (bench/upgrade {@code AOT=1}): the agents run from jars (every
   * directory of this JVM's class path packed into one) with an AOT cache made once by a training
   * run of {@link io.kubevde.agent.AotTraining} with the same JVM options, as the agent image does.
   */
  record Aot(String classPath, Path cache) {
    private static Aot instance;

    static synchronized Aot get() throws Exception {
      if (instance != null) return instance;
      Path dir = Files.createTempDirectory("kvaot");
      List<String> jars = new ArrayList<>();
      int n = 0;
      for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
        Path p = Path.of(e);
        if (!Files.isDirectory(p)) {
          jars.add(e);
          continue;
        }
        Path jar = dir.resolve("cp" + n++ + ".jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
            var files = Files.walk(p)) {
          for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
            out.putNextEntry(new java.util.jar.JarEntry(p.relativize(f).toString()));
            Files.copy(f, out);
            out.closeEntry();
          }
        }
        jars.add(jar.toString());
      }
      String cp = String.join(java.io.File.pathSeparator, jars);
      Path cache = dir.resolve("agent.aot");
      String java = ProcessHandle.current().info().command().orElse("java");
      Sh.Result r =
          Sh.exec(
              Duration.ofMinutes(5),
              List.of(
                  java,
                  "-XX:+UseSerialGC",
                  "-XX:-UsePerfData",
                  "-XX:AOTCacheOutput=" + cache,
                  "-cp",
                  cp,
                  io.kubevde.agent.AotTraining.class.getName()));
      assertThat(r.exitCode()).as("AOT training run: " + r.output()).isZero();
      assertThat(cache).as("AOT cache written: " + r.output()).exists();
      instance = new Aot(cp, cache);
      return instance;
    }
  }
}
