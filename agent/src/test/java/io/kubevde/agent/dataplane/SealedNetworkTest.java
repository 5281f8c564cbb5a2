package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.plugin.seal.SealStats;
import io.kubevde.vdeplug.plugin.seal.Verdict;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A sealed network (the operator's {@code keySecret}) between two agents over loopback, as {@link
 * TwoNodeTest}: the uplink is {@code seal://<run-dir>/keys/<secret>.key{vxvde…}}, opened once the
 * key file is there; pods ping across it; the operator's three rotation phases, written into the
 * key files under a fast ping, lose no reply and never reopen the uplink; a plain vxvde datagram
 * injected into the sealed uplink is dropped and counted by seal.
 */
class SealedNetworkTest {
  private static final String SECRET = "vnet-key.default.dp";
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws IOException {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvsl");
    netns = new Netns();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    Dirs.deleteTree(dir);
  }

  /** The operator's network.json for a sealed vxvde-unicast network over the two nodes. */
  static AgentNetworkConfig sealedUnicast(int port) {
    return AgentNetworkConfigCodec.read(
        """
                {"namespace":"default","name":"dp","uid":"u","transport":"vxvde-unicast","vni":4343,"port":%d,
                 "mtu":1418,"switchMode":"learning","macPrefix":"02:77:00","nodeSelector":{},"ipamType":"none",
                 "exclude":[],"nodeRanges":{},"peers":["127.0.0.1","127.0.0.2"],"keySecret":"%s"}"""
            .formatted(port, SECRET));
  }

  static String key(int fill) {
    byte[] k = new byte[32];
    ThreadLocalRandom.current().nextBytes(k);
    k[0] = (byte) fill;
    return Base64.getEncoder().encodeToString(k);
  }

  /**
   * Writes the same key file on both nodes, as their key watchers do from the operator's Secret.
   */
  static void keyFile(List<Agent> nodes, String text) throws IOException {
    for (Agent n : nodes)
      n.dataPlane().keyFiles().write(SECRET, text.getBytes(StandardCharsets.UTF_8));
  }

  static int uplinkPortId(NetworkSwitch sw) {
    return sw.node().ports().stream()
        .filter(p -> sw.portKind(p).equals("uplink"))
        .mapToInt(Netnode.PortInfo::id)
        .findFirst()
        .orElse(-1);
  }

  @Test
  void sealedPodsPingThroughARotationWithoutLossAndAPlainDatagramIsDropped() throws Exception {
    int port = ThreadLocalRandom.current().nextInt(20000, 40000);
    try (Agent n1 = new Agent(node("n1", "127.0.0.1"));
        Agent n2 = new Agent(node("n2", "127.0.0.2"))) {
      n1.start();
      n2.start();
      List<Agent> nodes = List.of(n1, n2);
      n1.dataPlane().apply(sealedUnicast(port));
      n2.dataPlane().apply(sealedUnicast(port));
      NetworkSwitch sw1 = n1.dataPlane().network("default/dp").orElseThrow();
      NetworkSwitch sw2 = n2.dataPlane().network("default/dp").orElseThrow();
      assertThat(sw1.ready()).as("no key file yet: no uplink, never a plain one").isFalse();
      assertThat(sw1.uplinkVnl()).isNull();

      String k1 = key(1), k2 = key(2);
      keyFile(nodes, "1 " + k1 + "\n");
      Path file = dir.resolve("n1/run/keys/" + SECRET + ".key");
      assertThat(Files.getPosixFilePermissions(file))
          .isEqualTo(PosixFilePermissions.fromString("r--------"));
      for (NetworkSwitch sw : List.of(sw1, sw2))
        sw.retryUplink(); // the key watcher does this after writing
      assertThat(sw1.uplinkVnl())
          .isEqualTo(
              "seal://"
                  + file
                  + "{vxvde:///port="
                  + port
                  + "/vni=4343/bind=127.0.0.1/peers=127.0.0.2}");
      assertThat(sw1.ready() && sw2.ready()).isTrue();

      String a = netns.create(), b = netns.create();
      addPod(n1, "sa", a, "192.168.77.10");
      String ipB = addPod(n2, "sb", b, "192.168.77.20");
      assertThat(DataPlaneTest.ping(a, ipB, 3)).as("pods ping over the sealed uplink").isTrue();
      SealStats s1 = sw1.sealStats();
      assertThat(s1.verdicts().get(Verdict.OPENED)).isPositive();
      int uplinkId = uplinkPortId(sw1);

      // the operator's three phases under a ping every 10 ms, each seen by both nodes' seal plugs
      // (<= 1 s)
      Process ping =
          new ProcessBuilder(
                  "ip", "netns", "exec", a, "ping", "-i", "0.01", "-c", "800", "-W", "2", ipB)
              .redirectErrorStream(true)
              .start();
      Thread.sleep(1500);
      keyFile(nodes, "1 " + k1 + " current\n2 " + k2 + "\n");
      Thread.sleep(2000);
      keyFile(nodes, "1 " + k1 + "\n2 " + k2 + " current\n");
      Thread.sleep(2000);
      keyFile(nodes, "2 " + k2 + " current\n");
      assertThat(ping.isAlive()).as("the rotation happened under traffic").isTrue();
      String out = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(ping.waitFor(60, TimeUnit.SECONDS)).isTrue();
      String summary =
          out.lines().filter(l -> l.contains("packets transmitted")).findFirst().orElse(out);
      System.out.println(
          "RESULT sealed_rotation_ping " + summary + " seal n1 " + s1 + " n2 " + sw2.sealStats());
      assertThat(summary).contains("800 received").contains(" 0% packet loss");
      assertThat(s1.reloads()).as("three key file changes, each re-read").isGreaterThanOrEqualTo(3);
      for (NetworkSwitch sw : List.of(sw1, sw2)) {
        assertThat(sw.sealStats().of(Verdict.UNKNOWN_KEY) + sw.sealStats().of(Verdict.BAD_TAG))
            .isZero();
      }
      assertThat(uplinkPortId(sw1)).as("the uplink was not reopened").isEqualTo(uplinkId);
      assertThat(sw1.sealStats()).as("same seal plug").isSameAs(s1);

      // a forged plain vxvde datagram (right VNI) from a peer's address but not its port: the vxvde
      // sender
      // check refuses it before seal sees it (seal's own refusal of plain frames: vdeplug
      // SealPlugTest)
      long malformed = s1.of(Verdict.MALFORMED);
      long notAPeer = sw1.vxvdeStats().notAPeer();
      ByteBuffer d = ByteBuffer.allocate(8 + 60);
      d.put(
          new byte[] {0x08, 0, 0, 0, 0, 0x10, (byte) 0xF7, 0}); // VXLAN header, VNI 4343 = 0x0010F7
      d.put(new byte[] {-1, -1, -1, -1, -1, -1, 0x02, 0x66, 0, 0, 0, 1, 0x08, 0x00});
      d.position(d.limit()).flip();
      try (DatagramChannel ch = DatagramChannel.open()) {
        ch.bind(new InetSocketAddress("127.0.0.2", 0));
        ch.send(d, new InetSocketAddress("127.0.0.1", port));
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(sw1.vxvdeStats().notAPeer())
                      .as("vxvde %s seal %s", sw1.vxvdeStats(), s1)
                      .isEqualTo(notAPeer + 1));
      assertThat(s1.of(Verdict.MALFORMED)).as("never reached seal").isEqualTo(malformed);
      assertThat(n1.metrics().scrape())
          .contains(
              "vde_vxvde_drop_total{network=\"default/dp\",node=\"n1\","
                  + "reason=\"not-a-peer\"} "
                  + (double) (notAPeer + 1));
    }
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
                "KUBEVDE_AGENT_SOCKET",
                agent.config().cniSocket().toString(),
                "CNI_ARGS",
                "K8S_POD_NAMESPACE=default"));
    String conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"dp\",\"type\":\"kubevde\",\"network\":\"default/dp\","
            + "\"ipam\":{\"subnet\":\"192.168.77.0/24\","
            + "\"rangeStart\":\""
            + rangeStart
            + "\"}}";
    CniPlugin.Outcome o = plugin.run(env, conf);
    assertThat(o.exitCode()).as(o.stdout()).isZero();
    return DataPlaneTest.addressOf(ns);
  }
}
