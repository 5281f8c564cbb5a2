package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Egress ({@code spec.egress.mode: nat}) on two nodes, each a network namespace holding its gateway
 * and nftables rules and joined to an "outside" namespace by its underlay link (10.250.0.1 and .2;
 * the outside is 10.250.0.254, with no route back to the pod subnets): the two agents run in this
 * JVM, their switches joined by a vxvde-unicast uplink over loopback. A pod on an egress network
 * reaches the outside, which sees the pod's own node's address (masquerade, and each node's gateway
 * serves its own pods); a pod on a network without egress does not; a tenant cannot reach the node
 * itself, a denied destination or the outside with a spoofed source; turning egress off, and
 * stopping the agent, leave no gateway and no rule behind.
 */
class EgressTest {
  private static final String OUTSIDE = "10.250.0.254";
  private static final String DENIED = "10.250.0.253";
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
  private String outside;
  private final String[] nodes = new String[2];

  @BeforeEach
  void setUp() throws IOException {
    Host.requireRoot();
    Host.requireTool("nft", "nftables");
    Host.requireTool("tcpdump", "tcpdump");
    dir = Files.createTempDirectory("kveg");
    netns = new Netns("kveg");
    outside = netns.create();
    Sh.run("ip", "-n", outside, "link", "add", "br0", "type", "bridge");
    Sh.run("ip", "-n", outside, "addr", "add", OUTSIDE + "/24", "dev", "br0");
    Sh.run("ip", "-n", outside, "addr", "add", DENIED + "/24", "dev", "br0");
    Sh.run("ip", "-n", outside, "link", "set", "br0", "up");
    for (int i = 0; i < 2; i++) {
      String n = netns.create();
      nodes[i] = n;
      Sh.run("ip", "-n", n, "link", "set", "lo", "up");
      Sh.run(
          "ip", "-n", n, "link", "add", "eth0", "type", "veth", "peer", "name", "up" + i, "netns",
          outside);
      Sh.run("ip", "-n", n, "addr", "add", "10.250.0." + (i + 1) + "/24", "dev", "eth0");
      Sh.run("ip", "-n", n, "link", "set", "eth0", "up");
      Sh.run("ip", "-n", outside, "link", "set", "up" + i, "master", "br0", "up");
      // as on a Kubernetes node
      Sh.run("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv4.ip_forward=1");
      // new interfaces start without forwarding: the agent turns it on for its gateway
      Sh.run("ip", "netns", "exec", n, "sysctl", "-qw", "net.ipv4.conf.default.forwarding=0");
    }
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    Dirs.deleteTree(dir);
  }

  private AgentConfig node(int i) {
    String name = "n" + (i + 1);
    AgentConfig c = AgentConfig.standalone(dir.resolve(name), name);
    return new AgentConfig(
            c.cniSocket(),
            c.stateDir(),
            c.runDir(),
            c.underlayMtu(),
            name,
            "127.0.0." + (i + 1),
            null,
            false,
            null,
            c.configNamespace(),
            1_000,
            -1,
            -1)
        .withEgress(new EgressSettings(List.of(DENIED + "/32"), Netns.path(nodes[i])));
  }

  /** The operator's network.json for a host-local network over both nodes. */
  private static AgentNetworkConfig network(String name, String octet, int port, boolean egress) {
    String s = "10." + octet + ".0.";
    return AgentNetworkConfigCodec.read(
        """
        {"namespace":"default","name":"%s","uid":"u-%s","transport":"vxvde-unicast","vni":%d,
         "port":%d,"switchMode":"learning","ipamType":"host-local","subnet":"%s0/24",
         "gateway":"%s1","routes":[{"dst":"0.0.0.0/0"}],%s
         "nodeRanges":{"n1":{"node":"n1","cidr":"%s16/28","rangeStart":"%s17","rangeEnd":"%s30"},
                       "n2":{"node":"n2","cidr":"%s32/28","rangeStart":"%s33","rangeEnd":"%s46"}},
         "peers":["127.0.0.1","127.0.0.2"]}"""
            .formatted(
                name,
                name,
                port,
                port,
                s,
                s,
                egress ? "\"egress\":\"nat\"," : "",
                s,
                s,
                s,
                s,
                s,
                s));
  }

  private String addPod(Agent agent, String id, String ns, String network) {
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
        "{\"cniVersion\":\"1.1.0\",\"name\":\"%s\",\"type\":\"kubevde\",\"network\":\"default/%s\"}"
            .formatted(network, network);
    CniPlugin.Outcome o = plugin.run(env, conf);
    assertThat(o.exitCode()).as(o.stdout()).isZero();
    return DataPlaneTest.addressOf(ns);
  }

  /** Source addresses of the echo requests the outside sees while {@code ping} runs. */
  private List<String> sourcesSeenOutside(Runnable ping) throws Exception {
    Path log = dir.resolve("tcpdump.out"), err = dir.resolve("tcpdump.err");
    Process dump =
        new ProcessBuilder(
                "ip",
                "netns",
                "exec",
                outside,
                "tcpdump",
                "-n",
                "-l",
                "-i",
                "br0",
                "icmp[icmptype] == icmp-echo")
            .redirectOutput(log.toFile())
            .redirectError(err.toFile())
            .start();
    try {
      // tcpdump prints "listening on br0" to stderr once it captures
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!Files.readString(err).contains("listening") && System.nanoTime() < deadline)
        Thread.sleep(50);
      ping.run();
      Thread.sleep(300);
    } finally {
      dump.destroy();
      dump.waitFor(5, TimeUnit.SECONDS);
    }
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(log))
      if (line.contains(" IP ")) out.add(line.replaceAll(".* IP (\\S+) > .*", "$1"));
    return out;
  }

  private static boolean ping(String ns, String ip) {
    return DataPlaneTest.ping(ns, ip, 2);
  }

  private String nft(int node) {
    return Sh.exec("ip", "netns", "exec", nodes[node], "nft", "list", "ruleset").output();
  }

  private String links(int node) {
    return Sh.run("ip", "-n", nodes[node], "-o", "link", "show");
  }

  @Test
  void podsOnAnEgressNetworkReachTheUnderlayThroughTheirOwnNodeAndOthersDoNot() throws Exception {
    int port = ThreadLocalRandom.current().nextInt(20000, 40000);
    AgentNetworkConfig out = network("out", "77", port, true);
    AgentNetworkConfig closed = network("closed", "78", port + 1, false);
    String gwIf = EgressGateway.interfaceName("default/out");
    try (Agent n1 = new Agent(node(0));
        Agent n2 = new Agent(node(1))) {
      n1.start();
      n2.start();
      for (Agent a : List.of(n1, n2)) {
        a.dataPlane().apply(out);
        a.dataPlane().apply(closed);
      }
      assertThat(links(0))
          .contains(gwIf)
          .doesNotContain(EgressGateway.interfaceName("default/closed"));
      assertThat(Sh.run("ip", "-n", nodes[0], "-4", "-o", "addr", "show", "dev", gwIf))
          .contains("inet 10.77.0.1/24");
      assertThat(nft(0)).contains("table inet kubevde").contains("masquerade");
      assertThat(
              Sh.run(
                      "ip",
                      "netns",
                      "exec",
                      nodes[0],
                      "cat",
                      "/proc/sys/net/ipv4/conf/" + gwIf + "/forwarding")
                  .strip())
          .as("forwarding on the gateway interface")
          .isEqualTo("1");

      String a = netns.create(), b = netns.create(), c = netns.create();
      String ipA = addPod(n1, "ea", a, "out");
      String ipB = addPod(n2, "eb", b, "out");
      addPod(n1, "ec", c, "closed");
      assertThat(ipA).startsWith("10.77.0.");
      assertThat(Sh.run("ip", "-n", a, "route", "show", "default")).contains("via 10.77.0.1");

      assertThat(ping(a, "10.77.0.1")).as("the pod pings its gateway").isTrue();
      assertThat(ping(a, ipB)).as("pods of the network still meet across nodes").isTrue();
      List<String> seenA = sourcesSeenOutside(() -> assertThat(ping(a, OUTSIDE)).isTrue());
      List<String> seenB = sourcesSeenOutside(() -> assertThat(ping(b, OUTSIDE)).isTrue());
      System.out.println("egress: outside saw pod " + ipA + " on n1 as " + seenA);
      System.out.println("egress: outside saw pod " + ipB + " on n2 as " + seenB);
      assertThat(seenA).as("masqueraded to n1's address").isNotEmpty().containsOnly("10.250.0.1");
      assertThat(seenB)
          .as("masqueraded to n2's address: each node's gateway serves its own pods")
          .isNotEmpty()
          .containsOnly("10.250.0.2");

      assertThat(ping(c, OUTSIDE)).as("a network without egress reaches nothing outside").isFalse();
      assertThat(ping(c, "10.78.0.1")).as("and has no gateway").isFalse();

      // what a tenant must not reach through the gateway
      assertThat(ping(a, "10.250.0.1")).as("the node's own address").isFalse();
      assertThat(ping(a, DENIED)).as("a denied destination").isFalse();
      Sh.run("ip", "-n", a, "addr", "add", "10.99.0.5/32", "dev", "net1");
      List<String> spoofed =
          sourcesSeenOutside(
              () ->
                  assertThat(
                          Sh.exec(
                                  "ip",
                                  "netns",
                                  "exec",
                                  a,
                                  "ping",
                                  "-c",
                                  "2",
                                  "-i",
                                  "0.2",
                                  "-W",
                                  "2",
                                  "-I",
                                  "10.99.0.5",
                                  OUTSIDE)
                              .ok())
                      .as("a spoofed source address")
                      .isFalse());
      assertThat(spoofed).as("nothing with a spoofed source leaves the node").isEmpty();
      Sh.run("ip", "-n", a, "addr", "del", "10.99.0.5/32", "dev", "net1");
      assertThat(ping(a, OUTSIDE)).as("still reachable with the pod's own address").isTrue();

      // egress off on n1: gateway and rules gone; n2 unchanged
      n1.dataPlane().apply(network("out", "77", port, false));
      assertThat(links(0)).doesNotContain(gwIf);
      assertThat(nft(0)).doesNotContain("kubevde");
      assertThat(ping(a, OUTSIDE))
          .as("egress off here: the other node's gateway is not reachable over the uplink")
          .isFalse();
      assertThat(ping(b, OUTSIDE)).as("the other node still has egress").isTrue();
      assertThat(nft(1)).contains("masquerade");
    }
    assertThat(links(1)).as("a stopped agent leaves no gateway").doesNotContain(gwIf);
    assertThat(nft(1)).as("nor a rule").doesNotContain("kubevde");
  }

  @Test
  void aGatewayThatCannotBeMadeIsReportedAndRetriedWithoutStoppingTheNetwork() throws Exception {
    int port = ThreadLocalRandom.current().nextInt(20000, 40000);
    Path nodeNetns = dir.resolve("node-netns"); // not there yet
    try (DataPlane dp =
        new DataPlane(
            dir.resolve("dp"),
            "127.0.0.1",
            null,
            SwitchLimits.DEFAULT,
            0600,
            new EgressSettings(List.of(), nodeNetns.toString()))) {
      dp.apply(network("out", "77", port, true));
      assertThat(dp.network("default/out")).as("the network runs without its gateway").isPresent();
      assertThat(dp.egressGateways()).isEmpty();
      assertThat(dp.egressError("default/out"))
          .get()
          .asString()
          .startsWith("egress gateway: ")
          .contains(nodeNetns.toString());

      // the node's netns appears: the heartbeat's retry makes the gateway
      Files.createSymbolicLink(nodeNetns, Path.of(Netns.path(nodes[0])));
      dp.retryUplinks();
      assertThat(dp.egressError("default/out")).isEmpty();
      assertThat(dp.egressGateways()).containsKey("default/out");
      assertThat(links(0)).contains(EgressGateway.interfaceName("default/out"));
      assertThat(nft(0)).contains("masquerade");
    }
    assertThat(links(0)).doesNotContain(EgressGateway.interfaceName("default/out"));
    assertThat(nft(0)).doesNotContain("kubevde");
  }
}
