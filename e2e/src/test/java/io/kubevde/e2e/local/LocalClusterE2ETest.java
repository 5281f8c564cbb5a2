package io.kubevde.e2e.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevde.testing.Host;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The local e2e scenarios (issue 5 item 3; e2e/local/README.md): one {@link LocalCluster} with two
 * nodes for the whole class (~10 s to start), the example VdeNetwork {@code default/blue} applied
 * with kubectl, and pods attached through the packaged CNI binary with the operator's
 * NetworkAttachmentDefinition config on stdin. Each test uses its own pods. Needs root; fails
 * (never skips) when the control-plane binaries or the packaged modules are missing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LocalClusterE2ETest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static LocalCluster cluster;
  private static String config;

  @BeforeAll
  static void up() throws IOException {
    Host.requireRoot("the local cluster's network namespaces and taps");
    Host.requireTool("ping", "iputils-ping");
    Host.requireTool("iperf3", "iperf3");
    Host.requireTool("vde_plug", "vdeplug");
    cluster = LocalCluster.start(2, System.out);
    cluster.kubectl("apply", "-f", cluster.repo().examples().resolve("blue.yaml").toString());
    config = cluster.nadConfig("default", "blue", 90_000);
  }

  @AfterAll
  static void down() {
    if (cluster != null) cluster.close();
  }

  @Test
  @Order(1)
  void operatorPublishesTheNetworkForTheAgentsAndMultus() throws IOException {
    Cmd.Result ready =
        cluster.kubectlResult(
            null, "wait", "--for=condition=Ready", "--timeout=90s", "vnet/blue", "-n", "default");
    assertThat(ready.ok())
        .as(
            "VdeNetwork Ready: %s %s\n%s",
            ready.out(),
            ready.err(),
            cluster.kubectlResult(null, "get", "vnet", "blue", "-o", "yaml").out())
        .isTrue();
    JsonNode vnet =
        JSON.readTree(cluster.kubectl("get", "vnet", "blue", "-n", "default", "-o", "json"));
    assertThat(vnet.at("/status/vni").asInt()).isPositive();
    assertThat(vnet.at("/status/group").asText()).startsWith("239.");
    JsonNode nad = JSON.readTree(config);
    assertThat(nad.path("type").asText()).isEqualTo("kubevde");
    assertThat(nad.path("network").asText()).isEqualTo("default/blue");
    JsonNode cm =
        JSON.readTree(
            cluster.kubectl(
                "get",
                "configmap",
                "vnet.default.blue",
                "-n",
                LocalCluster.SYSTEM_NAMESPACE,
                "-o",
                "json"));
    String netJson = cm.at("/data/network.json").asText();
    assertThat(netJson).contains(vnet.at("/status/group").asText()).contains("10.79.");
    // the operator's per-node address blocks cover both Node objects the harness registered
    assertThat(netJson).contains("node-1").contains("node-2");
    // the VdeLink example is valid for the API server (dry run: not persisted, no agent acts on it)
    cluster.kubectl(
        "apply",
        "--dry-run=server",
        "-f",
        cluster.repo().examples().resolve("blue-link.yaml").toString());
  }

  @Test
  @Order(2)
  void addGivesEachPodNet1OnItsNode() {
    for (LocalNode n : cluster.nodes()) {
      LocalPod p = cluster.pod(n, "default", "add-" + n.name());
      LocalPod.CniCall r = p.add(config, "net1").check();
      JsonNode res = r.json();
      assertThat(res.at("/interfaces/0/name").asText()).isEqualTo("net1");
      assertThat(res.at("/interfaces/0/sandbox").asText()).isEqualTo(p.netnsPath());
      assertThat(p.hasInterface("net1")).isTrue();
      String link = p.exec("ip", "-d", "link", "show", "net1").check().out();
      assertThat(link).contains("mtu 1450").contains(res.at("/interfaces/0/mac").asText());
      assertThat(recordFiles(n)).anyMatch(f -> f.contains(p.containerId()));
      System.out.printf("ADD on %s: %d ms%n", n.name(), r.millis());
    }
    // each agent reports its attachment and the network in its VdeNode (next heartbeat)
    for (LocalNode n : cluster.nodes()) {
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofSeconds(1))
          .untilAsserted(
              () -> {
                JsonNode vn =
                    JSON.readTree(cluster.kubectl("get", "vdenode", n.name(), "-o", "json"));
                assertThat(vn.at("/status/attachments").asInt())
                    .as("VdeNode %s attachments", n.name())
                    .isGreaterThanOrEqualTo(1);
                assertThat(vn.at("/status/networks").toString()).contains("blue");
              });
    }
  }

  @Test
  @Order(3)
  void podsGetAddressesFromTheNetworksRangeAndReachEachOtherAcrossNodes() throws Exception {
    LocalPod a = cluster.pod(cluster.node(1), "default", "ping-a");
    LocalPod b = cluster.pod(cluster.node(2), "default", "ping-b");
    String ipA = addressOf(a.add(config, "net1").check().json());
    String ipB = addressOf(b.add(config, "net1").check().json());
    assertThat(List.of(ipA, ipB)).allMatch(ip -> ip.startsWith("10.79.")).doesNotHaveDuplicates();
    assertThat(a.ipv4("net1")).containsExactly(ipA);
    assertThat(b.ipv4("net1")).containsExactly(ipB);
    Cmd.Result ping = a.exec("ping", "-c", "20", "-i", "0.05", "-W", "2", ipB);
    assertThat(ping.out()).as(ping.out() + ping.err()).contains(" 0% packet loss");
    try (Daemon server =
        Daemon.start(
            "iperf3-server",
            cluster.dir(),
            b.netns(),
            Map.of(),
            List.of("iperf3", "-s", "-1", "-B", ipB))) {
      ControlPlane.sleep(500);
      Cmd.Result iperf = a.exec("iperf3", "-c", ipB, "-t", "3", "-J");
      assertThat(iperf.ok()).as(iperf.out() + iperf.err()).isTrue();
      JsonNode j = JSON.readTree(iperf.out());
      double bps = j.at("/end/sum_received/bits_per_second").asDouble();
      long bytes = j.at("/end/sum_received/bytes").asLong();
      System.out.printf(
          "iperf3 across nodes over kubevde: %.3f Gbit/s, %d bytes%n", bps / 1e9, bytes);
      assertThat(bytes).isGreaterThan(1_000_000);
    }
  }

  @Test
  @Order(4)
  void qemuStyleClientOnTheRendezvousDirJoinsTheSameL2() {
    LocalNode n1 = cluster.node(1);
    LocalPod b = cluster.pod(cluster.node(2), "default", "qemu-peer");
    String ipB = addressOf(b.add(config, "net1").check().json());
    Path dir = n1.networkDir("default", "blue");
    await().atMost(Duration.ofSeconds(30)).until(() -> Files.isDirectory(dir));
    // a qemu-like client on node-1: Debian's C vde_plug on the vde:// rendezvous dir, tap in its
    // own netns
    LocalPod q = cluster.pod(n1, "default", "qemu-vm");
    try (Daemon plug =
        Daemon.start(
            "vde_plug-qemu",
            cluster.dir(),
            q.netns(),
            Map.of(),
            List.of("vde_plug", "vde://" + dir, "tap://kvqemu0"))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> q.hasInterface("kvqemu0"));
      q.exec("ip", "link", "set", "kvqemu0", "mtu", "1450").check();
      q.exec("ip", "addr", "add", "10.79.255.250/16", "dev", "kvqemu0").check();
      q.exec("ip", "link", "set", "kvqemu0", "up").check();
      Cmd.Result ping = q.exec("ping", "-c", "10", "-i", "0.1", "-W", "2", ipB);
      plug.assertAlive();
      assertThat(ping.out()).as(ping.out() + ping.err()).contains(" 0% packet loss");
    }
  }

  @Test
  @Order(5)
  void delRemovesTheInterfaceTheRecordAndTheAddresses() throws IOException {
    LocalNode n = cluster.node(1);
    LocalPod p = cluster.pod(n, "default", "del-me");
    JsonNode res = p.add(config, "net1").check().json();
    assertThat(p.hasInterface("net1")).isTrue();
    assertThat(recordFiles(n)).anyMatch(f -> f.contains(p.containerId()));
    p.del(LocalPod.withPrevResult(config, res), "net1").check();
    assertThat(p.hasInterface("net1")).as("net1 after DEL").isFalse();
    assertThat(p.exec("ip", "-o", "link").out()).doesNotContain("kubevde");
    assertThat(recordFiles(n)).noneMatch(f -> f.contains(p.containerId()));
    assertThat(ipamReservations(n)).noneMatch(r -> r.contains(p.containerId()));
    // CRI's second DEL (empty CNI_NETNS) and a repeated DEL succeed
    p.delWithoutNetns(config, "net1").check();
    p.del(config, "net1").check();
    // the address is free again: a new ADD in a fresh pod on the node may get it
    if (res.path("ips").size() > 0) {
      assertThat(ipamReservations(n))
          .noneMatch(r -> r.contains(res.at("/ips/0/address").asText().split("/")[0]));
    }
  }

  @Test
  @Order(6)
  void checkDetectsAMissingInterface() {
    LocalPod p = cluster.pod(cluster.node(2), "default", "check-me");
    JsonNode res = p.add(config, "net1").check().json();
    String withPrev = LocalPod.withPrevResult(config, res);
    LocalPod.CniCall ok = p.check(withPrev, "net1");
    assertThat(ok.exit()).as(ok.stdout() + ok.stderr()).isZero();
    p.exec("ip", "link", "del", "net1").check();
    LocalPod.CniCall bad = p.check(withPrev, "net1");
    assertThat(bad.exit()).as("CHECK after the interface was deleted").isNotZero();
    JsonNode err = bad.json();
    assertThat(err.path("code").asInt()).as(bad.stdout()).isGreaterThanOrEqualTo(100);
    assertThat(err.path("msg").asText() + err.path("details").asText())
        .containsIgnoringCase("net1");
    p.del(withPrev, "net1").check();
  }

  @Test
  @Order(7)
  void gcRemovesStaleAttachmentsOnly() throws IOException {
    LocalNode n = cluster.node(1);
    LocalPod keep = cluster.pod(n, "default", "gc-keep");
    LocalPod stale = cluster.pod(n, "default", "gc-stale");
    keep.add(config, "net1").check();
    stale.add(config, "net1").check();
    // the runtime's GC: cniVersion 1.1.0 and the attachments it still knows (libcni sends GC only
    // for 1.1.0+)
    ObjectNode gc = (ObjectNode) JSON.readTree(config);
    gc.put("cniVersion", "1.1.0");
    ArrayNode valid = gc.putArray("cni.dev/valid-attachments");
    valid.addObject().put("containerID", keep.containerId()).put("ifname", "net1");
    // every other attachment on node-1 from earlier tests is valid too (they belong to live "pods")
    for (String f : recordFiles(n)) {
      if (f.contains(stale.containerId()) || f.contains(keep.containerId())) continue;
      Matcher m = Pattern.compile(",([0-9a-f]{64}),([^,]+)\\.json$").matcher(f);
      if (m.find()) valid.addObject().put("containerID", m.group(1)).put("ifname", m.group(2));
    }
    LocalPod.CniCall r = keep.cni("GC", JSON.writeValueAsString(gc), "", "");
    assertThat(r.exit()).as(r.stdout() + r.stderr()).isZero();
    assertThat(recordFiles(n))
        .noneMatch(f -> f.contains(stale.containerId()))
        .anyMatch(f -> f.contains(keep.containerId()));
    assertThat(stale.hasInterface("net1")).as("stale attachment's interface after GC").isFalse();
    assertThat(keep.hasInterface("net1")).isTrue();
  }

  @Test
  @Order(8)
  void agentKill9LeavesTheInterfaceAndARestartedAgentServesItAgain() {
    LocalNode n = cluster.node(2);
    LocalPod p = cluster.pod(n, "default", "survivor");
    JsonNode res = p.add(config, "net1").check().json();
    String mac = res.at("/interfaces/0/mac").asText();
    n.killAgent();
    assertThat(n.agent().alive()).isFalse();
    assertThat(p.hasInterface("net1")).as("net1 while the agent is dead").isTrue();
    LocalPod.CniCall during = p.check(LocalPod.withPrevResult(config, res), "net1");
    assertThat(during.exit()).as("CHECK without agent: try again later (11)").isEqualTo(1);
    assertThat(during.json().path("code").asInt()).isEqualTo(11);
    n.startAgent();
    assertThat(p.exec("ip", "link", "show", "net1").out()).contains(mac);
    LocalPod.CniCall after = p.check(LocalPod.withPrevResult(config, res), "net1");
    assertThat(after.exit()).as(after.stdout() + after.stderr()).isZero();
    assertThat(recordFiles(n)).anyMatch(f -> f.contains(p.containerId()));
  }

  @Test
  @Order(9)
  void agentKill9UnderPingTrafficResumes() throws Exception {
    LocalNode n = cluster.node(1);
    LocalPod a = cluster.pod(n, "default", "restart-a");
    LocalPod b = cluster.pod(cluster.node(2), "default", "restart-b");
    a.add(config, "net1").check();
    String ipB = addressOf(b.add(config, "net1").check().json());
    int intervalMs = 20;
    try (Daemon ping =
        Daemon.start(
            "ping-restart",
            cluster.dir(),
            a.netns(),
            Map.of(),
            List.of(
                "ping", "-D", "-i", "0.02", "-c", "10000",
                ipB))) { // no -w: with a deadline ping exits on the first error
      await().atMost(Duration.ofSeconds(10)).until(() -> ping.output().contains("icmp_seq=20 "));
      n.killAgent();
      assertThat(a.hasInterface("net1")).isTrue();
      n.startAgent();
      int seqAtRestart = lastSeq(ping.output());
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> lastSeq(ping.output()) > seqAtRestart + 50);
      List<double[]> replies = replies(ping.output());
      double maxGapMs = 0;
      int missing = 0;
      for (int i = 1; i < replies.size(); i++) {
        double gap = (replies.get(i)[0] - replies.get(i - 1)[0]) * 1000;
        if (gap > maxGapMs) {
          maxGapMs = gap;
          missing = (int) (replies.get(i)[1] - replies.get(i - 1)[1]) - 1;
        }
      }
      System.out.printf(
          "agent kill -9 + restart under ping (every %d ms): longest silence %.0f ms "
              + "(icmp_seq jump %d), traffic resumed%n",
          intervalMs, maxGapMs, missing);
      assertThat(lastSeq(ping.output())).isGreaterThan(seqAtRestart + 50);
    }
  }

  @Test
  @Order(10)
  void vdeLinkHandOffUnderTrafficLosesNoFrame() throws Exception {
    LocalNode n = cluster.node(1);
    // the far end: a host outside the cluster whose tap sits on a Java multi://[dedup] node; each
    // VdeLink path
    // is one vde:// link into it, so during the overlap both ends see every frame twice and drop
    // the copy
    Path swDir = cluster.dir().resolve("lab-multi");
    LocalPod lab = cluster.pod(n, "default", "lab-host");
    try (Daemon sw =
        Daemon.start(
            "lab-multi",
            cluster.dir(),
            lab.netns(),
            Map.of(),
            List.of(
                cluster.repo().root().resolve("vdeplug/bin/vde_plug").toString(),
                "multi://" + swDir + "[dedup]",
                "tap://kvlab0"))) {
      await().atMost(Duration.ofSeconds(20)).until(() -> lab.hasInterface("kvlab0"));
      {
        sw.assertAlive();
        lab.exec("ip", "link", "set", "kvlab0", "mtu", "1450", "up").check();
        lab.exec("ip", "addr", "add", "10.79.255.251/16", "dev", "kvlab0").check();
        cluster.kubectlStdin(link("vde://" + swDir, null), "apply", "-f", "-");
        LocalPod p = cluster.pod(cluster.node(2), "default", "handoff-pod");
        p.add(config, "net1").check();
        Cmd.Result warm = p.exec("ping", "-c", "5", "-i", "0.2", "-W", "2", "10.79.255.251");
        assertThat(warm.out()).as(warm.out() + warm.err()).contains(" 0% packet loss");
        try (Daemon ping =
            Daemon.start(
                "ping-handoff",
                cluster.dir(),
                p.netns(),
                Map.of(),
                List.of("ping", "-i", "0.01", "-c", "12000", "-W", "1", "10.79.255.251"))) {
          ControlPlane.sleep(2000);
          cluster.kubectlStdin(link("vde://" + swDir, "vde://" + swDir), "apply", "-f", "-");
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      cluster
                          .kubectl(
                              "get", "vdelink", "blue-uplink", "-o", "jsonpath={.status.pathsUp}")
                          .equals("2/2"));
          cluster.kubectlStdin(link(null, "vde://" + swDir), "apply", "-f", "-");
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      cluster
                          .kubectl(
                              "get",
                              "vdelink",
                              "blue-uplink",
                              "-o",
                              "jsonpath={.status.pathsUp} {.status.paths[*].name}")
                          .equals("1/1 b"));
          ControlPlane.sleep(3000); // traffic on path b alone
          assertThat(ping.alive())
              .as("ping still running: the hand-off happened under traffic")
              .isTrue();
          Cmd.ok("kill", "-INT", Long.toString(ping.pid())); // ping prints its statistics on SIGINT
          assertThat(ping.waitFor(30)).isTrue();
          // lost = echo requests up to the last answered one without a reply (requests still in
          // flight
          // when SIGINT arrived are not losses, though ping's own summary counts them)
          List<Integer> got = seqs(ping.output());
          int last = got.stream().mapToInt(Integer::intValue).max().orElse(0);
          int sent = last;
          int lost = last - (int) got.stream().distinct().count();
          long dups = ping.output().lines().filter(l -> l.contains("(DUP!)")).count();
          System.out.printf(
              "VdeLink hand-off a -> a,b -> b under ping (every 10 ms): %d sent, %d lost, "
                  + "%d duplicate replies%n",
              sent, lost, dups);
          assertThat(sent).isGreaterThan(500);
          assertThat(lost).isZero();
        }
      }
    }
  }

  @Test
  @Order(11)
  void gracefulAgentReplacementUnderPingLosesNoFrame() throws Exception {
    LocalNode n = cluster.node(1);
    LocalPod a = cluster.pod(n, "default", "ho-a");
    LocalPod b = cluster.pod(cluster.node(2), "default", "ho-b");
    LocalPod c = cluster.pod(n, "default", "ho-c");
    a.add(config, "net1").check();
    String ipB = addressOf(b.add(config, "net1").check().json());
    String ipC = addressOf(c.add(config, "net1").check().json());
    assertThat(a.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", ipB).out()).contains(" 0% packet");
    assertThat(a.exec("ping", "-c", "3", "-i", "0.2", "-W", "2", ipC).out()).contains(" 0% packet");
    // node-1's agent is replaced while a pings b (across the vxvde uplink) and c (same node)
    try (Daemon across =
            Daemon.start(
                "ping-ho-across",
                cluster.dir(),
                a.netns(),
                Map.of(),
                List.of("ping", "-i", "0.01", "-c", "12000", "-W", "2", ipB));
        Daemon local =
            Daemon.start(
                "ping-ho-local",
                cluster.dir(),
                a.netns(),
                Map.of(),
                List.of("ping", "-i", "0.01", "-c", "12000", "-W", "2", ipC))) {
      await().atMost(Duration.ofSeconds(10)).until(() -> lastSeq(across.output()) > 50);
      long t0 = System.nanoTime();
      n.replaceAgent(90_000);
      long replaceMs = (System.nanoTime() - t0) / 1_000_000;
      int seqAt = lastSeq(across.output());
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  lastSeq(across.output()) > seqAt + 100 && lastSeq(local.output()) > seqAt + 100);
      for (Daemon ping : List.of(across, local)) {
        assertThat(ping.alive()).as(ping.name() + " still running").isTrue();
        Cmd.ok("kill", "-INT", Long.toString(ping.pid()));
        assertThat(ping.waitFor(30)).isTrue();
      }
      int[] lost = new int[2];
      int[] sent = new int[2];
      int i = 0;
      for (Daemon ping : List.of(across, local)) {
        // lost = requests up to the last answered one without a reply (as in the hand-off test)
        List<Integer> got = seqs(ping.output());
        sent[i] = got.stream().mapToInt(Integer::intValue).max().orElse(0);
        lost[i] = sent[i] - (int) got.stream().distinct().count();
        i++;
      }
      System.out.printf(
          "graceful agent replacement (hand-over) under ping every 10 ms: new agent ready after"
              + " %d ms; across nodes %d sent, %d lost; same node %d sent, %d lost%n",
          replaceMs, sent[0], lost[0], sent[1], lost[1]);
      assertThat(n.agent().output()).contains("hand-over: took");
      assertThat(sent[0]).as("sent across nodes").isGreaterThan(200);
      assertThat(sent[1]).as("sent on the node").isGreaterThan(200);
      assertThat(lost[0]).as("lost across nodes\n" + across.output()).isZero();
      assertThat(lost[1]).as("lost on the node\n" + local.output()).isZero();
    }
    // the new agent serves CNI: DEL of the handed-over attachment works
    assertThat(c.del(config, "net1").exit()).isZero();
  }

  private static String link(String pathA, String pathB) {
    StringBuilder paths = new StringBuilder();
    if (pathA != null) paths.append("  - {name: a, vnl: \"").append(pathA).append("\"}\n");
    if (pathB != null) paths.append("  - {name: b, vnl: \"").append(pathB).append("\"}\n");
    return """
                apiVersion: kubevde.io/v1alpha1
                kind: VdeLink
                metadata: {name: blue-uplink, namespace: default}
                spec:
                  network: blue
                  node: node-1
                  mode: multi
                  paths:
                """
        + paths;
  }

  private static String addressOf(JsonNode result) {
    assertThat(result.path("ips").size()).as("CNI result has an address: %s", result).isPositive();
    return result.at("/ips/0/address").asText().split("/")[0];
  }

  private static final Pattern SEQ = Pattern.compile("bytes from .*icmp_seq=(\\d+) ");
  private static final Pattern REPLY =
      Pattern.compile("\\[(\\d+\\.\\d+)] \\d+ bytes from .*icmp_seq=(\\d+) ");

  /** (timestamp s, seq) of each echo reply in {@code ping -D} output. */
  private static List<double[]> replies(String pingOutput) {
    List<double[]> out = new ArrayList<>();
    Matcher m = REPLY.matcher(pingOutput);
    while (m.find())
      out.add(new double[] {Double.parseDouble(m.group(1)), Integer.parseInt(m.group(2))});
    return out;
  }

  private static List<Integer> seqs(String pingOutput) {
    List<Integer> out = new ArrayList<>();
    Matcher m = SEQ.matcher(pingOutput);
    while (m.find()) out.add(Integer.parseInt(m.group(1)));
    return out;
  }

  private static int lastSeq(String pingOutput) {
    List<Integer> s = seqs(pingOutput);
    return s.isEmpty() ? 0 : s.getLast();
  }

  private static List<String> recordFiles(LocalNode n) {
    return list(n.stateDir().resolve("attachments"));
  }

  /** Each IPAM reservation as "path: content". */
  private static List<String> ipamReservations(LocalNode n) throws IOException {
    Path ipam = n.stateDir().resolve("ipam");
    if (!Files.isDirectory(ipam)) return List.of();
    List<String> out = new ArrayList<>();
    try (Stream<Path> s = Files.walk(ipam)) {
      // address reservations only: not the pool's cursor (last_reserved_ip.*, host-local's name),
      // whose content is
      // the last address handed out even after it is released
      for (Path p :
          s.filter(Files::isRegularFile)
              .filter(f -> !f.getFileName().toString().startsWith("last_reserved_ip"))
              .toList()) out.add(p + ": " + Files.readString(p));
    }
    return out;
  }

  private static List<String> list(Path dir) {
    if (!Files.isDirectory(dir)) return List.of();
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(Path::toString).toList();
    } catch (IOException e) {
      return List.of();
    }
  }
}
