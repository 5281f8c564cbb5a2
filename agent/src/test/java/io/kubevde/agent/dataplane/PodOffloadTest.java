package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.kubevde.agent.Agent;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import io.kubevde.vdeplug.netnode.Netnode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Offloads on the agent's data plane (issue 14, offloads.md): two agents ("nodes" on 127.0.0.1 and
 * 127.0.0.2, a vxvde-unicast network), a pod on each. The pods' taps are opened with {@code
 * IFF_VNET_HDR} and TSO ({@code ethtool -k} in the pod says so), the uplinks with {@code offload};
 * iperf3 TCP between the pods crosses each node's switch as super-frames (read whole from the
 * sending pod's tap, sent as MTU-sized vxvde datagrams with {@code UDP_SEGMENT}, coalesced again
 * from {@code UDP_GRO} reads on the receiving node and written whole into the pod's tap), none cut
 * and none malformed on the way.
 *
 * <p>Prints {@code RESULT pod_tcp_gbps=<a→b> pod_tcp_gbps_reverse=<b→a>} (median of the runs;
 * {@code -Dkubevde.bench.seconds}, default 2 s per run, one run) for {@code bench/agent}; the test
 * asserts behaviour only, never a speed.
 */
@Timeout(300)
class PodOffloadTest {
  private Path dir;
  private Netns netns;

  @BeforeEach
  void setUp() throws IOException {
    Host.requireRoot();
    assumeThat(Sh.has("iperf3")).as("iperf3 installed (apt-get install iperf3)").isTrue();
    dir = Files.createTempDirectory("kvpo");
    netns = new Netns();
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    Dirs.deleteTree(dir);
  }

  private static AgentNetworkConfig network(int port) {
    return AgentNetworkConfigCodec.read(
        """
        {"namespace":"default","name":"dp","uid":"u","transport":"vxvde-unicast","vni":4242,"port":%d,
         "switchMode":"learning","macPrefix":"02:77:00","nodeSelector":{},"ipamType":"none",
         "exclude":[],"nodeRanges":{},"peers":["127.0.0.1","127.0.0.2"]}"""
            .formatted(port));
  }

  @Test
  void tcpBetweenPodsOnTwoNodesTravelsAsSuperFrames() throws Exception {
    int port = ThreadLocalRandom.current().nextInt(20000, 40000);
    TwoNodeTest nodes = new TwoNodeTest();
    nodes.adopt(dir);
    try (Agent n1 = new Agent(nodes.node("n1", "127.0.0.1"));
        Agent n2 = new Agent(nodes.node("n2", "127.0.0.2"))) {
      n1.start();
      n2.start();
      n1.dataPlane().apply(network(port));
      n2.dataPlane().apply(network(port));
      assertThat(n1.dataPlane().network("default/dp").orElseThrow().uplinkVnl())
          .as("the network's uplink as the operator wrote it")
          .doesNotContain("offload");
      String a = netns.create(), b = netns.create();
      nodes.addPod(n1, "oa", a, "192.168.77.10");
      String ipB = nodes.addPod(n2, "ob", b, "192.168.77.20");
      assertThat(Sh.run("ip", "netns", "exec", a, "ethtool", "-k", "net1"))
          .as("the pod's interface takes TCP segmentation offload")
          .contains("tcp-segmentation-offload: on");
      assertThat(DataPlaneTest.ping(a, ipB, 3)).as("pod on n1 pings pod on n2").isTrue();

      int seconds = Integer.getInteger("kubevde.bench.seconds", 2);
      int runs = Integer.getInteger("kubevde.bench.runs", 1);
      double[] forward = new double[runs];
      double[] reverse = new double[runs];
      for (int r = 0; r < runs; r++) {
        forward[r] = iperf(a, b, ipB, seconds, false);
        reverse[r] = iperf(a, b, ipB, seconds, true);
      }
      Netnode s1 = n1.dataPlane().network("default/dp").orElseThrow().node();
      Netnode s2 = n2.dataPlane().network("default/dp").orElseThrow().node();
      for (Netnode s : List.of(s1, s2)) {
        long[] c = s.superFrameCounters();
        assertThat(c[0]).as("super-frames into %s", s).isGreaterThan(10);
        assertThat(c[1]).as("super-frames cut (every port takes them) in %s", s).isZero();
        assertThat(c[2]).as("malformed super-frames in %s", s).isZero();
      }
      System.out.printf(
          "RESULT pod_tcp_gbps=%.3f pod_tcp_gbps_reverse=%.3f%n", median(forward), median(reverse));
    }
  }

  /** iperf3 TCP from pod {@code a} to pod {@code b} (or back with -R); asserts ≥ 1 MiB; Gbit/s. */
  private static double iperf(String a, String b, String ipB, int seconds, boolean back)
      throws Exception {
    Process server =
        new ProcessBuilder("ip", "netns", "exec", b, "iperf3", "-s", "-1", "-B", ipB)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    try {
      Sh.Result r = null;
      for (int attempt = 0; attempt < 40; attempt++) {
        r =
            Sh.exec(
                Duration.ofSeconds(seconds + 60L),
                List.of(
                    "ip",
                    "netns",
                    "exec",
                    a,
                    "iperf3",
                    "-c",
                    ipB,
                    "-t",
                    Integer.toString(seconds),
                    "-J",
                    back ? "-R" : "-4"));
        if (r.exitCode() == 0 || !r.output().contains("Connection refused")) break;
        Thread.sleep(100);
      }
      Matcher m =
          Pattern.compile(
                  "\"sum_received\"\\s*:\\s*\\{[^}]*?\"bytes\"\\s*:\\s*(\\d+)[^}]*?"
                      + "\"bits_per_second\"\\s*:\\s*([0-9.e+]+)")
              .matcher(r.output());
      assertThat(m.find()).as("iperf3 %s result: %s", back ? "-R" : "", r.output()).isTrue();
      assertThat(Long.parseLong(m.group(1)))
          .as("bytes received %s", back ? "b->a" : "a->b")
          .isGreaterThanOrEqualTo(1 << 20);
      return Double.parseDouble(m.group(2)) / 1e9;
    } finally {
      server.destroy();
      server.waitFor();
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }
}
