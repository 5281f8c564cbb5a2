package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import io.kubevde.vdeplug.netnode.DropReason;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.PortLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The agent's data plane with real namespaces, taps and pings (root), no Kubernetes: pods attached
 * through the CNI socket exactly as the binary does it land on one switch; a C {@code vde_plug}
 * joins through the rendezvous directory; DEL removes port and tap; a restarted agent re-attaches
 * the taps.
 */
class DataPlaneTest {
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws IOException {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvdp");
    netns = new Netns();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    Dirs.deleteTree(dir);
  }

  static String config(String network) {
    return "{\"cniVersion\":\"1.1.0\",\"name\":\"dp\",\"type\":\"kubevde\",\"network\":\""
        + network
        + "\",\"ipam\":{\"subnet\":\"192.168.77.0/24\"}}";
  }

  CniPlugin.Outcome cni(Agent agent, String cmd, String id, String ns) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", cmd);
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", ns == null ? "" : Netns.path(ns));
    env.put("CNI_IFNAME", "net1");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + id);
    env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
    return plugin.run(env, config("default/dp"));
  }

  static String addressOf(String ns) {
    String out = Sh.run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "net1");
    return out.replaceAll("(?s).*inet (\\S+)/.*", "$1");
  }

  static boolean ping(String ns, String ip, int count) {
    return Sh.exec(
                "ip",
                "netns",
                "exec",
                ns,
                "ping",
                "-c",
                String.valueOf(count),
                "-i",
                "0.2",
                "-W",
                "2",
                ip)
            .exitCode()
        == 0;
  }

  @Test
  void twoPodsOnOneSwitchPingAndDelRemovesPortAndTap() throws Exception {
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      String a = netns.create(), b = netns.create();
      assertThat(cni(agent, "ADD", "ca", a).exitCode()).isZero();
      assertThat(cni(agent, "ADD", "cb", b).exitCode()).isZero();
      NetworkSwitch sw = agent.dataPlane().network("default/dp").orElseThrow();
      assertThat(sw.attachments()).isEqualTo(2);
      assertThat(Files.exists(dir.resolve("run/net/default/dp/ctl"))).isTrue();
      String ipB = addressOf(b);
      assertThat(ping(a, ipB, 3)).as("ping a -> b " + ipB).isTrue();
      assertThat(
              sw.node().ports().stream()
                  .filter(p -> sw.portKind(p).equals("pod"))
                  .mapToLong(p -> p.stats().rxFrames())
                  .sum())
          .isGreaterThanOrEqualTo(6);
      // direct-mapped 256-slot table: two random MACs share a slot with p = 1/256, so ≥ 1
      assertThat(sw.node().macTableSize()).isGreaterThanOrEqualTo(1);

      assertThat(cni(agent, "DEL", "cb", b).exitCode()).isZero();
      assertThat(sw.attachments()).isEqualTo(1);
      assertThat(sw.node().ports()).hasSize(1);
      assertThat(Sh.exec("ip", "-n", b, "link", "show", "net1").exitCode()).isNotZero();
      assertThat(ping(a, ipB, 1)).isFalse();
    }
  }

  @Test
  void dualStackPodsGetAnAddressOfEachFamilyAndPingOverIpv4AndIpv6() throws Exception {
    String conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"ds\",\"type\":\"kubevde\",\"network\":\"default/ds\","
            + "\"ipam\":{\"subnet\":\"192.168.76.0/24\",\"gateway\":\"192.168.76.1\",\"subnets\":"
            + "[{\"subnet\":\"fd76::/64\",\"gateway\":\"fd76::1\"}],"
            + "\"routes\":[{\"dst\":\"fd99::/64\"},{\"dst\":\"10.99.0.0/16\"}]}}";
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      String a = netns.create(), b = netns.create();
      Map<String, String> env = new HashMap<>();
      env.put("CNI_COMMAND", "ADD");
      env.put("CNI_IFNAME", "net1");
      env.put("CNI_PATH", "/opt/cni/bin");
      env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
      List<String> v6 = new java.util.ArrayList<>();
      for (String[] pod : new String[][] {{"da", a}, {"db", b}}) {
        env.put("CNI_CONTAINERID", pod[0]);
        env.put("CNI_NETNS", Netns.path(pod[1]));
        env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + pod[0]);
        CniPlugin.Outcome o = plugin.run(env, conf);
        assertThat(o.exitCode()).as(o.stdout()).isZero();
        List<?> ips = (List<?>) Json.parseObject(o.stdout()).get("ips");
        assertThat(ips)
            .as("the CNI result lists one address of each family with its gateway")
            .hasSize(2);
        Map<?, ?> four = (Map<?, ?>) ips.get(0);
        Map<?, ?> six = (Map<?, ?>) ips.get(1);
        assertThat(String.valueOf(four.get("address"))).startsWith("192.168.76.");
        assertThat(four.get("gateway")).isEqualTo("192.168.76.1");
        assertThat(String.valueOf(six.get("address"))).startsWith("fd76::").endsWith("/64");
        assertThat(six.get("gateway")).isEqualTo("fd76::1");
        v6.add(String.valueOf(six.get("address")).replaceAll("/.*", ""));
      }
      // routes go via the gateway of their own family
      assertThat(Sh.run("ip", "-n", a, "-6", "route", "show", "fd99::/64"))
          .contains("via fd76::1 dev net1");
      assertThat(Sh.run("ip", "-n", a, "-4", "route", "show", "10.99.0.0/16"))
          .contains("via 192.168.76.1 dev net1");
      assertThat(ping(a, addressOf(b), 3)).as("IPv4 ping").isTrue();
      assertThat(
              Sh.exec(
                      "ip", "netns", "exec", a, "ping", "-6", "-c", "3", "-i", "0.2", "-W", "2",
                      v6.get(1))
                  .exitCode())
          .as("ping -6 a -> b " + v6.get(1))
          .isZero();
      env.put("CNI_COMMAND", "DEL");
      for (String[] pod : new String[][] {{"da", a}, {"db", b}}) {
        env.put("CNI_CONTAINERID", pod[0]);
        env.put("CNI_NETNS", Netns.path(pod[1]));
        assertThat(plugin.run(env, conf).exitCode()).isZero();
      }
    }
  }

  static String get(int port, String path) throws Exception {
    var c = java.net.http.HttpClient.newHttpClient();
    var r =
        c.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create("http://127.0.0.1:" + port + path))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + "\n" + r.body();
  }

  static double metric(String scrape, String prefix) {
    return scrape
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  @Test
  void metricsAndHealthEndpointsShowTraffic() throws Exception {
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1").withPorts(0, 0))) {
      agent.start();
      int hp = agent.http().healthPort(), mp = agent.http().metricsPort();
      assertThat(get(hp, "/healthz")).startsWith("200");
      assertThat(get(hp, "/readyz?verbose")).startsWith("200").contains("[+]cni-socket");
      String a = netns.create(), b = netns.create();
      assertThat(cni(agent, "ADD", "ma", a).exitCode()).isZero();
      assertThat(cni(agent, "ADD", "mb", b).exitCode()).isZero();
      assertThat(ping(a, addressOf(b), 5)).isTrue();
      String m = get(mp, "/metrics");
      assertThat(m)
          .startsWith("200")
          .contains("jvm_memory_used_bytes")
          .contains("jvm_threads_live_threads")
          .contains("process_files_open_files");
      String pod = "{network=\"default/dp\",node=\"n1\",port_kind=\"pod\"}";
      assertThat(metric(m, "vde_port_receive_packets_total" + pod))
          .as(m)
          .isGreaterThanOrEqualTo(10);
      assertThat(metric(m, "vde_port_transmit_packets_total" + pod)).isGreaterThanOrEqualTo(10);
      assertThat(metric(m, "vde_port_receive_bytes_total" + pod)).isGreaterThanOrEqualTo(10 * 98);
      assertThat(m)
          .contains("vde_port_receive_drop_total" + pod, "vde_port_transmit_drop_total" + pod);
      assertThat(metric(m, "vde_switch_ports{network=\"default/dp\"")).isEqualTo(2);
      assertThat(metric(m, "vde_switch_mac_entries{network=\"default/dp\""))
          .isGreaterThanOrEqualTo(1);
      assertThat(metric(m, "vde_switch_mac_moves_total{network=\"default/dp\"")).isZero();
      assertThat(m)
          .contains(
              "vde_switch_mac_moves_total{network=\"default/dp\"",
              "vde_port_plug_drop_total{network=\"default/dp\"",
              "vde_stp_blocked_drop_total{direction=\"in\",network=\"default/dp\"",
              "vde_stp_blocked_drop_total{direction=\"out\",network=\"default/dp\"",
              "vde_vxvde_self_echo_total{network=\"default/dp\"");
      assertThat(metric(m, "vde_cni_requests_total{command=\"ADD\",result=\"success\"}"))
          .isEqualTo(2);
      assertThat(metric(m, "vde_cni_request_duration_seconds_count{command=\"ADD\"}")).isEqualTo(2);
      assertThat(m).contains("vde_cni_request_duration_seconds_bucket{command=\"ADD\",le=");
      assertThat(m).contains("vde_build_info{version=\"");
      // a DEL keeps the pod counters (monotonic)
      double before = metric(m, "vde_port_receive_packets_total" + pod);
      assertThat(cni(agent, "DEL", "mb", b).exitCode()).isZero();
      assertThat(metric(get(mp, "/metrics"), "vde_port_receive_packets_total" + pod))
          .isGreaterThanOrEqualTo(before);
    }
  }

  /** A pod's port on the network switch, by the description the agent gives it. */
  static Netnode.PortInfo podPort(NetworkSwitch sw, String containerId) {
    return sw.node().ports().stream()
        .filter(p -> p.description().equals("pod " + containerId + "/net1"))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void aFloodingPodIsStormControlledAndCountedWhileOtherPodsPing() throws Exception {
    Host.requireTool("python3", "python3");
    // storm control at 200 flooded frames/s per pod port, 100 ms buckets (20 frames)
    SwitchLimits limits = new SwitchLimits(new PortLimits(0, 0, 200, 100), null);
    try (Agent agent =
        new Agent(AgentConfig.standalone(dir, "n1").withPorts(-1, 0).withSwitchLimits(limits))) {
      agent.start();
      String a = netns.create(), b = netns.create(), c = netns.create();
      assertThat(cni(agent, "ADD", "fa", a).exitCode()).isZero();
      assertThat(cni(agent, "ADD", "fb", b).exitCode()).isZero();
      assertThat(cni(agent, "ADD", "fc", c).exitCode()).isZero();
      NetworkSwitch sw = agent.dataPlane().network("default/dp").orElseThrow();
      String ipC = addressOf(c);
      assertThat(ping(b, ipC, 1)).isTrue();
      long t0 = System.nanoTime();
      // pod a writes 20000 frames/s with random source and unknown unicast destination MACs
      Process flood =
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  a,
                  "python3",
                  "-c",
                  """
                  import os, socket, time
                  s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
                  s.bind(("net1", 0))
                  n, t0 = 0, time.monotonic()
                  while time.monotonic() - t0 < 3:
                      while n < (time.monotonic() - t0) * 20000:
                          r = bytearray(os.urandom(12))
                          r[0] = r[0] & 0xFC | 2
                          r[6] = r[6] & 0xFC | 2
                          try:
                              s.send(bytes(r) + b"\\x88\\xb5" + b"f" * 46)
                          except OSError:
                              pass
                          n += 1
                      time.sleep(0.001)
                  print(n)
                  """)
              .redirectErrorStream(true)
              .start();
      assertThat(ping(b, ipC, 10)).as("b pings c during a's flood").isTrue();
      assertThat(flood.waitFor(60, TimeUnit.SECONDS)).isTrue();
      long sent = Long.parseLong(new String(flood.getInputStream().readAllBytes()).trim());
      Netnode.PortInfo pa = podPort(sw, "fa");
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                long r = pa.stats().rxFrames();
                Thread.sleep(300);
                return r == pa.stats().rxFrames();
              });
      double seconds = (System.nanoTime() - t0) / 1e9;
      long dropped = pa.policer().dropped(DropReason.STORM_UNKNOWN_UNICAST);
      long admitted = pa.stats().rxFrames() - pa.policer().droppedTotal();
      assertThat(sent).isGreaterThan(10_000);
      // a sustained storm is read at the limit's pace (PortPolicer.pauseNanos): the switch reads
      // and counts part of the excess, the rest overflows a's tap queue (the kernel's tx_dropped)
      long kernelDropped =
          Long.parseLong(
              Sh.run("ip", "netns", "exec", a, "cat", "/sys/class/net/net1/statistics/tx_dropped")
                  .trim());
      assertThat(dropped).as("storm drops counted by the switch").isGreaterThan(1000);
      assertThat(dropped + kernelDropped)
          .as("a's flood beyond 200/s, dropped by the switch (%d) or the kernel", dropped)
          .isGreaterThan(sent / 2);
      assertThat(admitted)
          .as("a's flooded frames: the burst (20) plus 200/s over %.1f s", seconds)
          .isLessThanOrEqualTo(20 + (long) Math.ceil(200 * seconds) + 1);
      assertThat(podPort(sw, "fb").policer().droppedTotal()).as("b's ping is not limited").isZero();
      String m = get(agent.http().metricsPort(), "/metrics");
      assertThat(
              metric(
                  m,
                  "vde_switch_drop_total{network=\"default/dp\",node=\"n1\",port_kind=\"pod\","
                      + "reason=\"storm-unknown-unicast\"}"))
          .as(m)
          .isGreaterThanOrEqualTo(dropped);
      assertThat(
              metric(
                  m,
                  "vde_switch_drop_total{network=\"default/dp\",node=\"n1\",port_kind=\"pod\","
                      + "reason=\"policed-frames\"}"))
          .isZero();
    }
  }

  @Test
  void anUplinkThatCannotOpenLeavesTheSwitchServingButNotReady() throws Exception {
    AgentConfig c = AgentConfig.standalone(dir, "n1").withPorts(0, -1);
    // multicast uplinks go out of --uplink-interface: one that does not exist
    c =
        new AgentConfig(
            c.cniSocket(),
            c.stateDir(),
            c.runDir(),
            c.underlayMtu(),
            c.nodeName(),
            null,
            "kvnoif0",
            false,
            null,
            c.configNamespace(),
            c.heartbeatMs(),
            c.healthPort(),
            c.metricsPort());
    try (Agent agent = new Agent(c)) {
      agent.start();
      agent
          .dataPlane()
          .apply(
              AgentNetworkConfigCodec.read(
                  """
                    {"namespace":"default","name":"dp","uid":"u","transport":"vxvde","vni":7,"group":"239.77.0.1",
                     "port":24789}"""));
      NetworkSwitch sw = agent.dataPlane().network("default/dp").orElseThrow();
      assertThat(sw.ready()).isFalse();
      assertThat(sw.uplinkError()).isNotBlank();
      assertThat(get(agent.http().healthPort(), "/readyz"))
          .startsWith("503")
          .contains("[-]data-plane");
      String a = netns.create();
      assertThat(cni(agent, "ADD", "ua", a).exitCode()).as("pods are still served").isZero();
      assertThat(sw.attachments()).isEqualTo(1);
      // the operator switches the network to local: no uplink wanted, ready
      agent
          .dataPlane()
          .apply(
              AgentNetworkConfigCodec.read(
                  """
                    {"namespace":"default","name":"dp","uid":"u","transport":"local"}"""));
      assertThat(agent.dataPlane().network("default/dp").orElseThrow().ready()).isTrue();
      assertThat(get(agent.http().healthPort(), "/readyz")).startsWith("200");
    }
  }

  @Test
  void aSecondUnicastNetworkOnATakenPortFailsAloneAndSaysWhy() throws Exception {
    AgentConfig c = AgentConfig.standalone(dir, "n1").withPorts(0, -1);
    int port = 24000 + (int) (ProcessHandle.current().pid() % 1000);
    try (Agent agent = new Agent(c)) {
      agent.start();
      String json =
          """
                    {"namespace":"default","name":"%s","uid":"%s","transport":"vxvde-unicast","vni":%d,"port":%d,
                     "peers":["127.0.0.2"]}""";
      agent.dataPlane().apply(AgentNetworkConfigCodec.read(json.formatted("u1", "u1", 11, port)));
      agent.dataPlane().apply(AgentNetworkConfigCodec.read(json.formatted("u2", "u2", 12, port)));
      NetworkSwitch first = agent.dataPlane().network("default/u1").orElseThrow();
      NetworkSwitch second = agent.dataPlane().network("default/u2").orElseThrow();
      assertThat(first.ready()).isTrue();
      assertThat(second.ready()).isFalse();
      assertThat(second.uplinkError()).contains(String.valueOf(port));
      // the agent stays in service for the first network, and reports the second's reason per
      // network
      assertThat(get(agent.http().healthPort(), "/readyz")).startsWith("200");
      var nets =
          new io.kubevde.agent.kube.VdeNodeReporter(
                  null, "n1", null, "test", agent.dataPlane(), agent.links(), null)
              .status()
              .networks();
      assertThat(nets)
          .extracting(n -> n.name() + "=" + n.ready())
          .containsExactly("u1=true", "u2=false");
      assertThat(nets.get(0).message()).isNull();
      assertThat(nets.get(1).message()).contains("port " + port);
      // a distinct port (what the operator assigns) runs both
      agent
          .dataPlane()
          .apply(AgentNetworkConfigCodec.read(json.formatted("u2", "u2", 12, port + 1)));
      assertThat(agent.dataPlane().network("default/u2").orElseThrow().ready()).isTrue();
      assertThat(first.ready()).isTrue();
    }
  }

  @Test
  void anUnreachableApiServerDoesNotBlockStartOrPods() throws Exception {
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
    AgentConfig cfg =
        AgentConfig.standalone(dir, "n1")
            .withKubernetes(kc, "kubevde-system", 1_000)
            .withPorts(0, -1);
    try (Agent agent = new Agent(cfg)) {
      long t0 = System.nanoTime();
      agent.start();
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0))
          .as("start-up ms")
          .isLessThan(10_000);
      String a = netns.create(), b = netns.create();
      assertThat(cni(agent, "ADD", "na", a).exitCode()).isZero();
      assertThat(cni(agent, "ADD", "nb", b).exitCode()).isZero();
      assertThat(ping(a, addressOf(b), 2)).isTrue();
      assertThat(get(agent.http().healthPort(), "/healthz")).startsWith("200");
      assertThat(get(agent.http().healthPort(), "/readyz"))
          .startsWith("503")
          .contains("[-]informer-networks");
    }
  }

  @Test
  void cVdePlugJoinsThroughTheRendezvousDirectory() throws Exception {
    Host.requireTool("vde_plug", "vdeplug");
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      String pod = netns.create(), vm = netns.create();
      assertThat(cni(agent, "ADD", "cp", pod).exitCode()).isZero();
      Path rdv = agent.dataPlane().directoryOf("default/dp");
      Process p =
          new ProcessBuilder("ip", "netns", "exec", vm, "vde_plug", "vde://" + rdv, "tap://vmtap")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("vde_plug.log").toFile())
              .start();
      try {
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> Sh.exec("ip", "-n", vm, "link", "show", "vmtap").ok());
        Sh.run("ip", "-n", vm, "addr", "add", "192.168.77.250/24", "dev", "vmtap");
        Sh.run("ip", "-n", vm, "link", "set", "vmtap", "up");
        assertThat(ping(vm, addressOf(pod), 3)).as("C vde_plug client pings the pod").isTrue();
        assertThat(agent.dataPlane().network("default/dp").orElseThrow().node().ports()).hasSize(2);
      } finally {
        p.destroy();
        if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
      }
    }
  }

  @Test
  void restartedAgentReattachesTheTaps() throws Exception {
    String a = netns.create(), b = netns.create();
    String ipB;
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      assertThat(cni(agent, "ADD", "ra", a).exitCode()).isZero();
      assertThat(cni(agent, "ADD", "rb", b).exitCode()).isZero();
      ipB = addressOf(b);
      assertThat(ping(a, ipB, 2)).isTrue();
    }
    assertThat(Sh.exec("ip", "-n", a, "link", "show", "net1").exitCode())
        .as("tap survives the agent")
        .isZero();
    assertThat(ping(a, ipB, 1)).as("no switch, no traffic").isFalse();
    Sh.run("ip", "-n", a, "neigh", "flush", "dev", "net1");
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      assertThat(agent.dataPlane().attachments()).hasSize(2);
      assertThat(ping(a, ipB, 3)).as("traffic resumes after restart").isTrue();
    }
  }
}
