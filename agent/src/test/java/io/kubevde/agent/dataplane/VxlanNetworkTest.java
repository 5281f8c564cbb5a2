package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
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
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A VdeNetwork with {@code transport: vxlan} (issue 16 point 4) as the operator describes it: the
 * agent's uplink is an RFC 7348 VXLAN endpoint that a Linux kernel vxlan device joins. The agent's
 * node is a network namespace joined to a second one (the "kernel VTEP") by a veth pair; a pod
 * attached through the CNI socket pings the kernel vxlan device's address and back, and the
 * network's {@code ttl} is the IP TTL of the multicast datagrams on the wire.
 */
class VxlanNetworkTest {
  private static final String NS = "kvl2x";
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws IOException {
    Host.requireRoot();
    Host.requireTool("tcpdump", "tcpdump");
    dir = Files.createTempDirectory("kvl2x");
    netns = new Netns("kvx");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    Dirs.deleteTree(dir);
  }

  @Test
  void podOnAVxlanNetworkPingsALinuxKernelVxlanEndpoint() throws Exception {
    String node = netns.create(), kern = netns.create(), pod = netns.create();
    int x = ThreadLocalRandom.current().nextInt(2, 250);
    String group = "239.79." + x + ".1";
    int vni = 7000 + x;
    // underlay: node 10.79.<x>.1 <-veth-> kernel VTEP 10.79.<x>.2
    String vethNode = "kvl2n" + x, vethKern = "kvl2k" + x;
    Sh.run(
        "ip", "link", "add", vethNode, "netns", node, "type", "veth", "peer", "name", vethKern,
        "netns", kern);
    for (String[] side :
        new String[][] {
          {node, vethNode, "10.79." + x + ".1/24"}, {kern, vethKern, "10.79." + x + ".2/24"}
        }) {
      Sh.run("ip", "-n", side[0], "addr", "add", side[2], "dev", side[1]);
      Sh.run("ip", "-n", side[0], "link", "set", side[1], "up");
      Sh.run("ip", "-n", side[0], "link", "set", "lo", "up");
    }
    // the kernel VTEP: a vxlan device on the same group, VNI and port 4789
    Sh.run(
        "ip",
        "-n",
        kern,
        "link",
        "add",
        "vx0",
        "type",
        "vxlan",
        "id",
        String.valueOf(vni),
        "group",
        group,
        "dev",
        vethKern,
        "dstport",
        "4789");
    Sh.run("ip", "-n", kern, "link", "set", "vx0", "mtu", "1450");
    Sh.run("ip", "-n", kern, "addr", "add", "192.168.79.2/24", "dev", "vx0");
    Sh.run("ip", "-n", kern, "link", "set", "vx0", "up");

    AgentConfig c = AgentConfig.standalone(dir.resolve("n1"), "n1");
    AgentConfig cfg =
        new AgentConfig(
            c.cniSocket(),
            c.stateDir(),
            c.runDir(),
            c.underlayMtu(),
            "n1",
            null,
            vethNode,
            false,
            null,
            c.configNamespace(),
            1_000,
            -1,
            -1);
    try (Agent n1 = new Agent(cfg)) {
      n1.start();
      // the operator's network.json for {transport: vxlan, ttl: 3} with the underlay CIDR as the
      // accepted senders (the kernel VTEP is inside it); the uplink socket is opened
      // in the node's namespace (as the agent runs in the host's on a real node)
      var network =
          AgentNetworkConfigCodec.read(
              """
              {"namespace":"%s","name":"vx","uid":"u","transport":"vxlan","vni":%d,"group":"%s",
               "ttl":3,"switchMode":"learning","ipamType":"none","underlayCidrs":["10.79.%d.0/24"]}"""
                  .formatted(NS, vni, group, x));
      io.kubevde.agent.dataplane.Netns.call(
          Netns.path(node),
          () -> {
            n1.dataPlane().apply(network);
            return null;
          });
      NetworkSwitch sw = n1.dataPlane().network(NS + "/vx").orElseThrow();
      assertThat(sw.ready()).as(String.valueOf(sw.uplinkError())).isTrue();
      assertThat(sw.uplinkVnl())
          .isEqualTo(
              "vxlan://"
                  + group
                  + "/port=4789/vni="
                  + vni
                  + "/ttl=3/allow='10.79."
                  + x
                  + ".0/24'/if="
                  + vethNode);

      addPod(n1, "vxp", pod, "192.168.79.10");
      Process capture =
          new ProcessBuilder(
                  "ip",
                  "netns",
                  "exec",
                  kern,
                  "tcpdump",
                  "-l",
                  "-n",
                  "-v",
                  "-c",
                  "1",
                  "-i",
                  vethKern,
                  "udp",
                  "dst",
                  "port",
                  "4789",
                  "and",
                  "dst",
                  "host",
                  group,
                  "and",
                  "src",
                  "host",
                  "10.79." + x + ".1")
              .redirectErrorStream(true)
              .start();
      Thread.sleep(500); // tcpdump listening
      Sh.exec("ip", "-n", pod, "neigh", "flush", "all");
      assertThat(DataPlaneTest.ping(pod, "192.168.79.2", 3))
          .as("pod -> kernel vxlan device")
          .isTrue();
      assertThat(capture.waitFor(10, TimeUnit.SECONDS)).as("a flooded datagram seen").isTrue();
      String seen = new String(capture.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(seen).as("multicast TTL = the network's ttl").contains("ttl 3,");
      assertThat(DataPlaneTest.ping(kern, "192.168.79.10", 3))
          .as("kernel vxlan device -> pod")
          .isTrue();
      assertThat(sw.node().macTableSize()).isGreaterThanOrEqualTo(2);
    }
  }

  private void addPod(Agent agent, String id, String pod, String address) {
    Map<String, String> env =
        Map.of(
            "CNI_COMMAND",
            "ADD",
            "CNI_CONTAINERID",
            id,
            "CNI_NETNS",
            Netns.path(pod),
            "CNI_IFNAME",
            "net1",
            "CNI_PATH",
            "/opt/cni/bin",
            "CNI_ARGS",
            "K8S_POD_NAMESPACE=" + NS + ";K8S_POD_NAME=p-" + id,
            AgentProtocol.SOCKET_ENV,
            agent.config().cniSocket().toString());
    String conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"vx\",\"type\":\"kubevde\",\"network\":\""
            + NS
            + "/vx\",\"ipam\":{\"subnet\":\"192.168.79.0/24\",\"rangeStart\":\""
            + address
            + "\",\"rangeEnd\":\""
            + address
            + "\"}}";
    CniPlugin.Outcome o = plugin.run(env, conf);
    assertThat(o.exitCode()).as(o.stdout()).isZero();
  }
}
