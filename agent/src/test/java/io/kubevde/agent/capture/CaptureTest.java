package io.kubevde.agent.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.AgentMain;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The agent's capture endpoint with real namespaces, taps and pings (root): {@code kubevde-agent
 * capture} writes pcapng that {@code tcpdump -r} reads, a pod capture holds only that pod's frames,
 * and bad requests get a clear refusal.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class CaptureTest {
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    Host.requireTool("tcpdump", "tcpdump");
    dir = Files.createTempDirectory("kvcap");
    netns = new Netns();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (netns != null) netns.close();
    if (dir != null) Dirs.deleteTree(dir);
  }

  private void add(Agent agent, String id, String ns) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", "ADD");
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", Netns.path(ns));
    env.put("CNI_IFNAME", "net1");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + id);
    env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
    String conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"cap\",\"type\":\"kubevde\",\"network\":\"default/cap\","
            + "\"ipam\":{\"subnet\":\"192.168.78.0/24\"}}";
    assertThat(plugin.run(env, conf).exitCode()).isZero();
  }

  private static String ip(String ns) {
    return Sh.run("ip", "-n", ns, "-4", "-o", "addr", "show", "dev", "net1")
        .replaceAll("(?s).*inet (\\S+)/.*", "$1");
  }

  private static String mac(String ns) {
    return Sh.run("ip", "netns", "exec", ns, "cat", "/sys/class/net/net1/address").trim();
  }

  private static void ping(String from, String to, int count) {
    assertThat(
            Sh.exec(
                    "ip",
                    "netns",
                    "exec",
                    from,
                    "ping",
                    "-c",
                    "" + count,
                    "-i",
                    "0.2",
                    "-W",
                    "2",
                    to)
                .exitCode())
        .as("ping %s -> %s", from, to)
        .isZero();
  }

  /** Runs {@code kubevde-agent capture ARGS} in-process; the future gives exit code and stderr. */
  private static CompletableFuture<String[]> capture(Agent agent, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "capture";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--socket";
    all[args.length + 2] = agent.captureServer().socket().toString();
    CompletableFuture<String[]> f = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              java.io.StringWriter err = new java.io.StringWriter();
              CommandLine cmd = new CommandLine(new AgentMain());
              cmd.setErr(new java.io.PrintWriter(err, true));
              int rc = cmd.execute(all);
              f.complete(new String[] {"" + rc, err.toString()});
            });
    return f;
  }

  /** tcpdump's lines for the frames in {@code file} (its "reading from file" note left out). */
  private static String tcpdump(Path file) {
    return Sh.run("tcpdump", "-n", "-e", "-r", file.toString())
        .lines()
        .filter(l -> !l.startsWith("reading from file"))
        .collect(java.util.stream.Collectors.joining("\n"));
  }

  @Test
  void aNetworkCaptureIsPcapngThatTcpdumpReadsAndAPodCaptureHoldsOnlyThatPod() throws Exception {
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      String a = netns.create(), b = netns.create(), c = netns.create();
      add(agent, "ca", a);
      add(agent, "cb", b);
      add(agent, "cc", c);
      String ipA = ip(a), ipB = ip(b);
      ping(c, ipB, 1); // ARP settled: c<->b known unicast from here on
      ping(a, ipB, 1);
      Path all = dir.resolve("all.pcapng"), podA = dir.resolve("a.pcapng");
      var whole = capture(agent, "default/cap", "-c", "8", "-w", all.toString());
      var onlyA =
          capture(agent, "default/cap", "--pod", "default/p-ca", "-c", "6", "-w", podA.toString());
      awaitSessions(agent, 2, whole, onlyA);
      ping(c, ipB, 2); // not a's: kept by the network capture, not by a's
      ping(a, ipB, 3);
      String[] w = whole.get(30, TimeUnit.SECONDS);
      String[] p = onlyA.get(30, TimeUnit.SECONDS);
      assertThat(w[0]).as(w[1]).isEqualTo("0");
      assertThat(p[0]).as(p[1]).isEqualTo("0");
      assertThat(w[1]).contains("network default/cap");
      String wholeText = tcpdump(all);
      assertThat(wholeText.lines().count()).as(wholeText).isEqualTo(8);
      assertThat(wholeText).contains("ICMP echo request").contains("ICMP echo reply");
      String podText = tcpdump(podA);
      String macA = mac(a), macB = mac(b), macC = mac(c);
      assertThat(podText.lines().count()).as(podText).isEqualTo(6);
      assertThat(podText.lines())
          .as("a's frames, or frames to a group address (which reach every port)")
          .allSatisfy(
              l ->
                  assertThat(
                          l.contains(macA)
                              || l.matches("\\S+ \\S+ > (ff:ff:ff:ff:ff:ff|33:33:|01:00:5e:).*"))
                      .as(l)
                      .isTrue());
      assertThat(podText).doesNotContain(macC + " > " + macB).doesNotContain(macB + " > " + macC);
      assertThat(podText).contains(ipA + " > " + ipB + ": ICMP echo request");
      assertThat(podText).contains(mac(a));
    }
  }

  @SafeVarargs
  private static void awaitSessions(Agent agent, int n, CompletableFuture<String[]>... clients)
      throws InterruptedException {
    // a session is registered right after its OK line: give both clients time to connect
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    var sw = agent.dataPlane().network("default/cap").orElseThrow();
    while (System.nanoTime() < until && sw.node().observers() < n) Thread.sleep(20);
    for (var c : clients)
      if (c.isDone())
        throw new AssertionError("capture ended early: " + String.join(" ", c.join()));
    assertThat(sw.node().observers()).isEqualTo(n);
  }

  @Test
  void badRequestsAreRefusedWithTheReason() throws Exception {
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      String a = netns.create();
      add(agent, "ca", a);
      String[] r = capture(agent, "default/nope").get(30, TimeUnit.SECONDS);
      assertThat(r[0]).isEqualTo("1");
      assertThat(r[1]).contains("network default/nope is not on this node");
      r = capture(agent, "default/cap", "--pod", "default/ghost").get(30, TimeUnit.SECONDS);
      assertThat(r[0]).isEqualTo("1");
      assertThat(r[1]).contains("pod default/ghost has no interface");
      r = capture(agent, "Default/../x").get(30, TimeUnit.SECONDS);
      assertThat(r[0]).isEqualTo("2");
      assertThat(r[1]).contains("network must be namespace/name");
      assertThat(agent.dataPlane().network("default/cap").orElseThrow().node().observers())
          .as("no session left registered")
          .isZero();
    }
  }

  @Test
  void requestLinesAreValidated() {
    assertThat(CaptureRequest.parse("{\"network\":\"a/b\"}"))
        .isEqualTo(new CaptureRequest("a/b", null, null, CaptureRequest.MAX_SNAPLEN, 0));
    assertThatThrownBy(() -> CaptureRequest.parse("{\"network\":\"a/b\",\"x\":1}"))
        .hasMessageContaining("unknown key x");
    assertThatThrownBy(() -> CaptureRequest.parse("{\"network\":\"a/b\",\"snaplen\":0}"))
        .hasMessageContaining("snaplen");
    assertThatThrownBy(
            () -> CaptureRequest.parse("{\"network\":\"a/b\",\"mac\":\"01:00:5e:00:00:01\"}"))
        .hasMessageContaining("unicast");
    assertThatThrownBy(() -> CaptureRequest.parse("not json")).hasMessageContaining("bad request");
    assertThat(CaptureRequest.parse(new CaptureRequest("a/b", "n/p", null, 96, 5).toJson()))
        .isEqualTo(new CaptureRequest("a/b", "n/p", null, 96, 5));
  }
}
