package io.kubevde.cni.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@SuppressWarnings("unchecked")
class CniPluginTest {
  private static final String RESULT =
      "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"net1\",\"mac\":\"02:00:00:00:00:01\","
          + "\"sandbox\":\"/var/run/netns/p\"}],\"ips\":[{\"address\":\"10.77.0.5/24\",\"interface\":0}]}";

  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 2_000));

  private static final Path NO_AGENT = Path.of("/nonexistent/kubevde-test.sock");

  private static String config(String version) {
    return "{\"cniVersion\":\""
        + version
        + "\",\"name\":\"blue\",\"type\":\"kubevde\",\"network\":\"default/blue\","
        + "\"ipam\":{\"subnet\":\"10.77.0.0/24\"}}";
  }

  /**
   * The CNI environment of {@code cmd}, the agent socket given as the runtime's environment does.
   */
  private static Map<String, String> env(String cmd, Path socket) {
    return Map.of(
        "CNI_COMMAND",
        cmd,
        "CNI_CONTAINERID",
        "c0ffee",
        "CNI_NETNS",
        "/var/run/netns/p",
        "CNI_IFNAME",
        "net1",
        "CNI_PATH",
        "/opt/cni/bin",
        "CNI_ARGS",
        "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0",
        AgentProtocol.SOCKET_ENV,
        socket.toString());
  }

  private static long code(CniPlugin.Outcome o) {
    return (Long) Json.parseObject(o.stdout()).get("code");
  }

  @Test
  void versionEchoesTheRequestedVersionAndListsSupported() {
    CniPlugin.Outcome o =
        plugin.run(Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"0.4.0\"}");
    assertThat(o.exitCode()).isZero();
    Map<String, Object> m = Json.parseObject(o.stdout());
    assertThat(m.get("cniVersion")).isEqualTo("0.4.0");
    assertThat((List<Object>) m.get("supportedVersions"))
        .containsExactly("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");
    assertThat(
            Json.parseObject(plugin.run(Map.of("CNI_COMMAND", "VERSION"), "").stdout())
                .get("cniVersion"))
        .isEqualTo("1.1.0");
  }

  @Test
  void addIsForwardedVerbatimAndTheAgentsResultPrinted() throws Exception {
    try (FakeAgent agent = new FakeAgent(r -> RESULT)) {
      String cfg = config("1.1.0");
      CniPlugin.Outcome o = plugin.run(env("ADD", agent.socket), cfg);
      assertThat(o.exitCode()).isZero();
      assertThat(o.stdout()).isEqualTo(RESULT);
      var r = agent.requests.getFirst();
      assertThat(r.command()).isEqualTo(CniCommand.ADD);
      assertThat(r.configJson()).isEqualTo(cfg);
      assertThat(r.args()).containsEntry("K8S_POD_NAME", "web-0");
      assertThat(r.netns()).isEqualTo("/var/run/netns/p");
      assertThat(r.ifName()).isEqualTo("net1");
    }
  }

  @Test
  void delCheckStatusGcPrintNothingOnSuccess() throws Exception {
    try (FakeAgent agent = new FakeAgent(r -> "{}")) {
      for (String c : List.of("DEL", "CHECK", "STATUS", "GC")) {
        CniPlugin.Outcome o = plugin.run(env(c, agent.socket), config("1.0.0"));
        assertThat(o.exitCode()).as(c).isZero();
        assertThat(o.stdout()).as(c).isEmpty();
      }
      assertThat(agent.requests)
          .extracting(r -> r.command().name())
          .containsExactly("DEL", "CHECK", "STATUS", "GC");
    }
  }

  @Test
  void agentErrorsArePassedThroughWithExit1() throws Exception {
    try (FakeAgent agent =
        new FakeAgent(r -> "{\"cniVersion\":\"1.1.0\",\"code\":102,\"msg\":\"pool exhausted\"}")) {
      CniPlugin.Outcome o = plugin.run(env("ADD", agent.socket), config("1.1.0"));
      assertThat(o.exitCode()).isEqualTo(1);
      assertThat(code(o)).isEqualTo(102);
      assertThat(Json.parseObject(o.stdout()).get("msg")).isEqualTo("pool exhausted");
    }
  }

  @Test
  void unreachableAgentMeansTryAgainLaterExceptStatusAndDel() {
    String cfg = config("1.1.0");
    assertThat(code(plugin.run(env("ADD", NO_AGENT), cfg))).isEqualTo(11);
    assertThat(code(plugin.run(env("CHECK", NO_AGENT), cfg))).isEqualTo(11);
    assertThat(code(plugin.run(env("GC", NO_AGENT), cfg))).isEqualTo(11);
    assertThat(code(plugin.run(env("STATUS", NO_AGENT), cfg))).isEqualTo(50);
    CniPlugin.Outcome del =
        plugin.run(
            Map.of(
                "CNI_COMMAND",
                "DEL",
                "CNI_CONTAINERID",
                "c0ffee",
                "CNI_NETNS",
                "",
                "CNI_IFNAME",
                "net1",
                AgentProtocol.SOCKET_ENV,
                NO_AGENT.toString()),
            cfg);
    assertThat(del.exitCode()).isZero();
    assertThat(del.stdout()).isEmpty();
  }

  @Test
  void anAgentThatDiesAfterReadingTheRequestMeansTryAgainLater() throws Exception {
    // kill -9 of the agent between request and answer: the connection closes with no byte (seen
    // by bench/churn as failed ADDs with a decode error)
    try (FakeAgent agent = new FakeAgent(r -> null)) {
      CniPlugin.Outcome add = plugin.run(env("ADD", agent.socket), config("1.1.0"));
      assertThat(code(add)).isEqualTo(11);
      assertThat(Json.parseObject(add.stdout()).get("details").toString())
          .contains("without an answer");
      assertThat(code(plugin.run(env("CHECK", agent.socket), config("1.1.0")))).isEqualTo(11);
      assertThat(agent.requests).hasSize(2);
    }
  }

  @Test
  void anAgentThatNeverAnswersTimesOutWithCode11() throws Exception {
    try (FakeAgent agent =
        new FakeAgent(
            r -> {
              try {
                Thread.sleep(5_000);
              } catch (InterruptedException ignored) {
                // closed
              }
              return null;
            })) {
      long t0 = System.nanoTime();
      CniPlugin.Outcome o = plugin.run(env("ADD", agent.socket), config("1.1.0"));
      assertThat(code(o)).isEqualTo(11);
      assertThat(Json.parseObject(o.stdout()).get("details").toString()).contains("did not answer");
      assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(4_500);
    }
  }

  @Test
  void badStdinAndBadVersionsMapToTheirCodes() {
    Map<String, String> add = env("ADD", NO_AGENT);
    assertThat(code(plugin.run(add, "{not json"))).isEqualTo(6);
    assertThat(code(plugin.run(add, "[1]"))).isEqualTo(6);
    assertThat(code(plugin.run(Map.of("CNI_COMMAND", "VERSION"), "{oops"))).isEqualTo(6);
    assertThat(code(plugin.run(add, config("0.2.0")))).isEqualTo(1);
    assertThat(code(plugin.run(add, "{\"name\":\"n\",\"type\":\"kubevde\"}"))).isEqualTo(7);
    assertThat(code(plugin.run(add, "{\"cniVersion\":\"1.1.0\",\"type\":\"kubevde\"}")))
        .isEqualTo(7);
    assertThat(code(plugin.run(add, null))).isEqualTo(5);
    CniPlugin.Outcome noEnv = plugin.run(Map.of("CNI_COMMAND", "ADD"), config("0.3.1"));
    assertThat(code(noEnv)).isEqualTo(4);
    assertThat(Json.parseObject(noEnv.stdout()).get("cniVersion")).isEqualTo("0.3.1");
  }

  @Test
  void anAgentSocketInTheNetworkConfigIsRefusedAndNeverContacted() throws Exception {
    try (FakeAgent envAgent = new FakeAgent(r -> RESULT);
        FakeAgent configAgent = new FakeAgent(r -> RESULT)) {
      String cfg =
          config("1.1.0")
              .replace("\"ipam\"", "\"agentSocket\":\"" + configAgent.socket + "\",\"ipam\"");
      for (String cmd : List.of("ADD", "DEL", "CHECK")) {
        CniPlugin.Outcome o = plugin.run(env(cmd, envAgent.socket), cfg);
        assertThat(o.exitCode()).as(cmd).isEqualTo(1);
        assertThat(code(o)).as(cmd).isEqualTo(7);
        assertThat(Json.parseObject(o.stdout()).get("msg").toString())
            .as(cmd)
            .contains("'agentSocket'", "KUBEVDE_AGENT_SOCKET");
      }
      assertThat(configAgent.requests).isEmpty();
      assertThat(envAgent.requests).isEmpty();
    }
  }

  @Test
  void withoutTheEnvironmentVariableTheDefaultSocketIsUsed() {
    Map<String, String> e = new java.util.HashMap<>(env("ADD", NO_AGENT));
    e.remove(AgentProtocol.SOCKET_ENV);
    CniPlugin.Outcome o =
        new CniPlugin(
                p -> {
                  assertThat(p).isEqualTo(Path.of(AgentProtocol.DEFAULT_SOCKET));
                  return new AgentClient(NO_AGENT, 1_000);
                })
            .run(e, config("1.1.0"));
    assertThat(code(o)).isEqualTo(11);
  }

  @Test
  void localCleanupRecognisesOnlyKubevdeTaps() {
    assertThat(
            LocalCleanup.isKubevdeTap(
                "[{\"ifname\":\"net1\",\"linkinfo\":{\"info_kind\":\"tun\"},\"ifalias\":\"kubevde/blue/c1\"}]"))
        .isTrue();
    assertThat(
            LocalCleanup.isKubevdeTap(
                "[{\"ifname\":\"net1\",\"linkinfo\":{\"info_kind\":\"tun\"}}]"))
        .isFalse();
    assertThat(
            LocalCleanup.isKubevdeTap(
                "[{\"ifname\":\"net1\",\"linkinfo\":{\"info_kind\":\"veth\"},\"ifalias\":\"kubevde/x\"}]"))
        .isFalse();
    assertThat(LocalCleanup.isKubevdeTap("garbage")).isFalse();
  }
}
