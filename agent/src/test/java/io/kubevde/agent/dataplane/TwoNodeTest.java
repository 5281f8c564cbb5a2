package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.model.LinkSpec;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two agents ("nodes") in one JVM, each with its own state and run directory and one pod, joined
 * over loopback: by the vxvde-unicast uplink the operator's config describes (node addresses
 * 127.0.0.1 and 127.0.0.2), and by a VdeLink in multi mode whose path is handed off under a fast
 * ping with no lost and no duplicated reply.
 */
class TwoNodeTest {
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws IOException {
    Host.requireRoot();
    dir = Files.createTempDirectory("kv2n");
    netns = new Netns();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    Dirs.deleteTree(dir);
  }

  /**
   * Uses {@code dir} for the nodes' state (for other tests reusing {@link #node}, {@link #addPod}).
   */
  void adopt(Path dir) {
    this.dir = dir;
  }

  AgentConfig node(String name, String address) {
    AgentConfig c = AgentConfig.standalone(dir.resolve(name), name);
    return new AgentConfig(
        c.cniSocket(),
        c.stateDir(),
        c.runDir(),
        c.underlayMtu(),
        name,
        address,
        null,
        false,
        null,
        c.configNamespace(),
        1_000,
        -1,
        -1);
  }

  String addPod(Agent agent, String id, String ns, String rangeStart) {
    Map<String, String> env =
        new HashMap<>(
            Map.of(
                "CNI_COMMAND",
                "ADD",
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
                agent.config().cniSocket().toString()));
    String conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"dp\",\"type\":\"kubevde\",\"network\":\"default/dp\","
            + "\"ipam\":{\"subnet\":\"192.168.77.0/24\",\"rangeStart\":\""
            + rangeStart
            + "\"}}";
    CniPlugin.Outcome o = plugin.run(env, conf);
    assertThat(o.exitCode()).as(o.stdout()).isZero();
    return DataPlaneTest.addressOf(ns);
  }

  /**
   * The operator's network.json for a vxvde-unicast network over the two nodes (as NetworkResources
   * writes it).
   */
  static AgentNetworkConfig unicast(int port, Integer vlan) {
    return AgentNetworkConfigCodec.read(
        """
                {"namespace":"default","name":"dp","uid":"u","transport":"vxvde-unicast","vni":4242,"port":%d,
                 "switchMode":"learning","vlan":%d,"macPrefix":"02:77:00","nodeSelector":{},"ipamType":"none",
                 "exclude":[],"nodeRanges":{},"peers":["127.0.0.1","127.0.0.2"]}"""
            .formatted(port, vlan));
  }

  @Test
  void vxvdeUnicastUplinkWithVlanJoinsPodsOnTwoNodes() throws Exception {
    int port = ThreadLocalRandom.current().nextInt(20000, 40000);
    try (Agent n1 = new Agent(node("n1", "127.0.0.1"));
        Agent n2 = new Agent(node("n2", "127.0.0.2"))) {
      n1.start();
      n2.start();
      n1.dataPlane().apply(unicast(port, 100));
      n2.dataPlane().apply(unicast(port, 100));
      assertThat(n1.dataPlane().network("default/dp").orElseThrow().uplinkVnl())
          .isEqualTo("vxvde:///port=" + port + "/vni=4242/bind=127.0.0.1/peers=127.0.0.2");
      String a = netns.create(), b = netns.create();
      addPod(n1, "ua", a, "192.168.77.10");
      String ipB = addPod(n2, "ub", b, "192.168.77.20");
      assertThat(DataPlaneTest.ping(a, ipB, 3))
          .as("pod on n1 pings pod on n2 over vxvde unicast")
          .isTrue();
      assertThat(Sh.run("ip", "-n", a, "link", "show", "net1"))
          .as("network macPrefix")
          .contains("link/ether 02:77:00:");
      assertThat(n1.dataPlane().network("default/dp").orElseThrow().ready()).isTrue();
      assertThat(n1.metrics().scrape())
          .contains("vde_vxvde_peers{network=\"default/dp\",node=\"n1\"} 1.0");
      // the network's vlan tags the uplink: another VID on the other node cuts the pods apart
      n2.dataPlane().apply(unicast(port, 200));
      assertThat(DataPlaneTest.ping(a, ipB, 2)).as("VLAN 100 vs 200").isFalse();
      Sh.run("ip", "-n", a, "neigh", "flush", "dev", "net1");
      n2.dataPlane().apply(unicast(port, 100));
      assertThat(DataPlaneTest.ping(a, ipB, 3)).as("VLAN 100 again").isTrue();
    }
  }

  @Test
  void multiLinkHandOffUnderPingLosesNothing() throws Exception {
    int base = ThreadLocalRandom.current().nextInt(20000, 40000);
    String a1 = "udp://127.0.0.1:" + base + "->127.0.0.1:" + (base + 1);
    String a2 = "udp://127.0.0.1:" + (base + 1) + "->127.0.0.1:" + base;
    String b1 = "udp://127.0.0.1:" + (base + 2) + "->127.0.0.1:" + (base + 3);
    String b2 = "udp://127.0.0.1:" + (base + 3) + "->127.0.0.1:" + (base + 2);
    try (Agent n1 = new Agent(node("n1", null));
        Agent n2 = new Agent(node("n2", null))) {
      n1.start();
      n2.start();
      String a = netns.create(), b = netns.create();
      addPod(n1, "ha", a, "192.168.77.10");
      String ipB = addPod(n2, "hb", b, "192.168.77.20");
      n1.links()
          .apply(
              new LinkSpec("default", "wan", "dp", "multi", List.of(new LinkSpec.Path("a", a1))));
      n2.links()
          .apply(
              new LinkSpec("default", "wan", "dp", "multi", List.of(new LinkSpec.Path("a", a2))));
      assertThat(DataPlaneTest.ping(a, ipB, 3)).as("over path a").isTrue();

      Process ping =
          new ProcessBuilder(
                  "ip", "netns", "exec", a, "ping", "-i", "0.01", "-c", "600", "-W", "2", ipB)
              .redirectErrorStream(true)
              .start();
      Thread.sleep(1500);
      // hand-off: add b on both ends, wait until up, remove a
      n1.links()
          .apply(
              new LinkSpec(
                  "default",
                  "wan",
                  "dp",
                  "multi",
                  List.of(new LinkSpec.Path("a", a1), new LinkSpec.Path("b", b1))));
      n2.links()
          .apply(
              new LinkSpec(
                  "default",
                  "wan",
                  "dp",
                  "multi",
                  List.of(new LinkSpec.Path("a", a2), new LinkSpec.Path("b", b2))));
      await()
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .until(
              () ->
                  n1.links().status().stream().allMatch(LinkManager.PathState::up)
                      && n2.links().status().stream().allMatch(LinkManager.PathState::up));
      Thread.sleep(500);
      n1.links()
          .apply(
              new LinkSpec("default", "wan", "dp", "multi", List.of(new LinkSpec.Path("b", b1))));
      n2.links()
          .apply(
              new LinkSpec("default", "wan", "dp", "multi", List.of(new LinkSpec.Path("b", b2))));
      assertThat(ping.isAlive())
          .as("ping still running: the hand-off happened under traffic")
          .isTrue();
      String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(ping.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String summary =
          out.lines().filter(l -> l.contains("packets transmitted")).findFirst().orElse(out);
      System.out.println("RESULT handoff_ping " + summary);
      assertThat(summary)
          .contains("600 received")
          .contains(" 0% packet loss")
          .doesNotContain("duplicates");
      assertThat(out).doesNotContain("DUP!");
      assertThat(n1.links().status()).extracting(LinkManager.PathState::path).containsExactly("b");
      assertThat(n1.links().status().getFirst().stats().rxFrames()).isPositive();
    }
  }

  @Test
  void singleLinkFailsOverToTheNextPathAndBackToTheFirst() throws Exception {
    // the agents' heartbeat (1 s here) judges the carrying path: no test thread drives the
    // LinkManager
    int base = ThreadLocalRandom.current().nextInt(20000, 40000);
    try (Agent n1 = new Agent(node("n1", null));
        Agent n2 = new Agent(node("n2", null))) {
      n1.start();
      n2.start();
      String a = netns.create(), b = netns.create();
      addPod(n1, "fa", a, "192.168.77.10");
      String ipB = addPod(n2, "fb", b, "192.168.77.20");
      String pathA = "udp://127.0.0.1:" + base + "->127.0.0.1:" + (base + 1);
      String pathB = "udp://127.0.0.1:" + (base + 2) + "->127.0.0.1:" + (base + 3);
      LinkSpec farA =
          new LinkSpec(
              "default",
              "far-a",
              "dp",
              "single",
              List.of(
                  new LinkSpec.Path("a", "udp://127.0.0.1:" + (base + 1) + "->127.0.0.1:" + base)));
      n1.links().failbackRetry(Duration.ofHours(1));
      n1.links()
          .apply(
              new LinkSpec(
                  "default",
                  "wan",
                  "dp",
                  "single",
                  List.of(new LinkSpec.Path("a", pathA), new LinkSpec.Path("b", pathB))));
      // the far ends: one single link per path on n2
      n2.links().apply(farA);
      n2.links()
          .apply(
              new LinkSpec(
                  "default",
                  "far-b",
                  "dp",
                  "single",
                  List.of(
                      new LinkSpec.Path(
                          "b", "udp://127.0.0.1:" + (base + 3) + "->127.0.0.1:" + (base + 2)))));
      assertThat(DataPlaneTest.ping(a, ipB, 3)).as("over path a").isTrue();
      assertThat(DataPlaneTest.ping(a, ipB, 5)).as("a working path stays").isTrue();
      assertThat(n1.links().status()).extracting(LinkManager.PathState::path).containsExactly("a");

      // a's peer goes away: frames go out on a, nothing comes back; a heartbeat moves the link to b
      n2.links().remove("default/far-a");
      awaitPath(n1, a, ipB, "b");
      assertThat(DataPlaneTest.ping(a, ipB, 3)).as("over path b").isTrue();

      // a's peer is back: failback tries a, and a passes the next checks
      n2.links().apply(farA);
      n1.links().failbackRetry(Duration.ZERO);
      awaitPath(n1, a, ipB, "a");
      assertThat(DataPlaneTest.ping(a, ipB, 5)).as("over path a again").isTrue();
      assertThat(n1.links().status()).extracting(LinkManager.PathState::path).containsExactly("a");

      // failback off: after a fail-over the link stays on b although a is back
      n1.links()
          .apply(
              new LinkSpec(
                  "default",
                  "wan",
                  "dp",
                  "single",
                  List.of(new LinkSpec.Path("a", pathA), new LinkSpec.Path("b", pathB)),
                  false));
      n2.links().remove("default/far-a");
      awaitPath(n1, a, ipB, "b");
      n2.links().apply(farA);
      assertThat(DataPlaneTest.ping(a, ipB, 5)).as("over path b").isTrue();
      assertThat(n1.links().status()).extracting(LinkManager.PathState::path).containsExactly("b");
    }
  }

  /**
   * Pings until {@code agent}'s single link carries {@code path} (its own heartbeat switches it).
   */
  private static void awaitPath(Agent agent, String ns, String ip, String path) {
    // two 1 s heartbeats decide a fail-over: ~3 s here when the machine is quiet; a whole CI run on
    // this 2-core VM once took more than 30 s (agent threads starved), hence the generous bound
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              DataPlaneTest.ping(ns, ip, 1);
              assertThat(agent.links().status())
                  .extracting(LinkManager.PathState::path)
                  .containsExactly(path);
            });
  }

  @Test
  void singleAndBondingLinksCarryPing() throws Exception {
    int base = ThreadLocalRandom.current().nextInt(20000, 40000);
    try (Agent n1 = new Agent(node("n1", null));
        Agent n2 = new Agent(node("n2", null))) {
      n1.start();
      n2.start();
      String a = netns.create(), b = netns.create();
      addPod(n1, "sa", a, "192.168.77.10");
      String ipB = addPod(n2, "sb", b, "192.168.77.20");
      assertThat(DataPlaneTest.ping(a, ipB, 1)).as("no link, no traffic").isFalse();
      // the failed ARP leaves a FAILED neighbour entry the kernel does not re-probe at once
      Sh.run("ip", "-n", a, "neigh", "flush", "dev", "net1");
      n1.links()
          .apply(
              new LinkSpec(
                  "default",
                  "wan",
                  "dp",
                  "single",
                  List.of(
                      new LinkSpec.Path(
                          "a", "udp://127.0.0.1:" + base + "->127.0.0.1:" + (base + 1)))));
      n2.links()
          .apply(
              new LinkSpec(
                  "default",
                  "wan",
                  "dp",
                  "single",
                  List.of(
                      new LinkSpec.Path(
                          "a", "udp://127.0.0.1:" + (base + 1) + "->127.0.0.1:" + base))));
      assertThat(n1.dataPlane().network("default/dp").orElseThrow().node().ports()).hasSize(2);
      boolean ok = DataPlaneTest.ping(a, ipB, 3);
      assertThat(ok)
          .as(
              () ->
                  "single; n1 ports "
                      + n1.dataPlane().network("default/dp").orElseThrow().node().ports()
                      + " n2 ports "
                      + n2.dataPlane().network("default/dp").orElseThrow().node().ports()
                      + " neigh "
                      + Sh.exec("ip", "-n", a, "neigh").output())
          .isTrue();
      // mode change: the link is rebuilt as a bonding netnode with two paths
      for (Agent n : List.of(n1, n2)) {
        boolean first = n == n1;
        n.links()
            .apply(
                new LinkSpec(
                    "default",
                    "wan",
                    "dp",
                    "bonding",
                    List.of(
                        new LinkSpec.Path(
                            "a",
                            first
                                ? "udp://127.0.0.1:" + base + "->127.0.0.1:" + (base + 1)
                                : "udp://127.0.0.1:" + (base + 1) + "->127.0.0.1:" + base),
                        new LinkSpec.Path(
                            "b",
                            first
                                ? "udp://127.0.0.1:" + (base + 2) + "->127.0.0.1:" + (base + 3)
                                : "udp://127.0.0.1:" + (base + 3) + "->127.0.0.1:" + (base + 2)))));
      }
      assertThat(DataPlaneTest.ping(a, ipB, 6)).as("bonding").isTrue();
      List<LinkManager.PathState> st = n1.links().status();
      assertThat(st).extracting(LinkManager.PathState::path).containsExactly("a", "b");
      assertThat(st).allMatch(p -> p.up() && p.stats().txFrames() > 0);
    }
  }
}
