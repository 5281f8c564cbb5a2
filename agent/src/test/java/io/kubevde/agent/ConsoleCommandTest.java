package io.kubevde.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * {@code kubevde-agent console} against a running agent with a real pod attachment (root, network
 * namespaces, taps): the agent's console socket is a vde-2 console on the network's switch ({@code
 * port/print} shows the pod's port, {@code hash/print} its MAC, unknown commands answer vde-2's
 * {@code 1038}), piped and interactive use both end cleanly, and an unknown network is a clear
 * error with a non-zero exit.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ConsoleCommandTest {
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvcon");
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
    env.put("CNI_ARGS", "K8S_POD_NAMESPACE=demo;K8S_POD_NAME=p-" + id);
    env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
    String conf =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"con\",\"type\":\"kubevde\",\"network\":\"demo/blue\","
            + "\"ipam\":{\"subnet\":\"192.168.79.0/24\"}}";
    assertThat(plugin.run(env, conf).exitCode()).isZero();
  }

  /** Exit code, stdout, stderr of {@code kubevde-agent console ARGS} with {@code stdin}. */
  private record Run(int rc, String out, String err) {}

  private static Run console(Agent agent, InputStream stdin, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = "console";
    System.arraycopy(args, 0, all, 1, args.length);
    all[args.length + 1] = "--socket";
    all[args.length + 2] = agent.consoleServer().socket().toString();
    CommandLine cmd = new CommandLine(new AgentMain());
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err, true));
    ConsoleCommand c = cmd.getSubcommands().get("console").getCommand();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    c.input = stdin;
    c.output = out;
    int rc = cmd.execute(all);
    return new Run(rc, out.toString(StandardCharsets.US_ASCII), err.toString());
  }

  private static InputStream lines(String text) {
    return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
  }

  @Test
  void pipedCommandsShowThePodsPortAndMacAndUnknownCommandsAnswerVde2sErrorCode() throws Exception {
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      String a = netns.create();
      add(agent, "ca", a);
      String mac = Sh.run("ip", "netns", "exec", a, "cat", "/sys/class/net/net1/address").trim();
      Sh.exec("ip", "netns", "exec", a, "ping", "-c", "1", "-W", "1", "192.168.79.254");

      Run r =
          console(
              agent,
              lines("port/print\nhash/print\nfoo/bar\nport/create 5\n"),
              "blue",
              "-n",
              "demo");

      assertThat(r.rc()).as(r.err()).isZero();
      assertThat(r.out()).startsWith("VDE switch V.2.3.2\n").contains("\nvde$ ");
      assertThat(r.out())
          .containsPattern("0000 DATA END WITH '.'\nPort \\d{4} untagged_vlan=0000 ACTIVE")
          .contains("prog   : pod ca/net1")
          .contains(" IN:  pkts")
          .contains("Addr: " + mac + " VLAN 0000 to port: ")
          .contains("1000 Success")
          .contains("1038 Function not implemented")
          .contains("1001 Operation not permitted");
      assertThat(r.out().indexOf("1038")).isLessThan(r.out().indexOf("1001"));
    }
  }

  @Test
  void anInteractiveSessionEndsWithLogout() throws Exception {
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      add(agent, "ca", netns.create());
      PipedOutputStream typing = new PipedOutputStream();
      PipedInputStream stdin = new PipedInputStream(typing);
      var session =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> console(agent, stdin, "demo/blue"));
      typing.write("port/print\n".getBytes(StandardCharsets.US_ASCII));
      typing.flush();
      Thread.sleep(300);
      typing.write("logout\n".getBytes(StandardCharsets.US_ASCII));
      typing.flush(); // stdin stays open: logout alone ends the session
      Run r = session.get(30, TimeUnit.SECONDS);
      assertThat(r.rc()).as(r.err()).isZero();
      assertThat(r.out()).contains("prog   : pod ca/net1").endsWith("9999 END OF SESSION\n");
    }
  }

  @Test
  void anUnknownNetworkIsAClearErrorWithANonZeroExit() throws Exception {
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      Run r = console(agent, lines("port/print\n"), "nope", "-n", "demo");
      assertThat(r.rc()).isEqualTo(1);
      assertThat(r.err()).contains("console: network demo/nope is not on this node");
      assertThat(r.out()).isEmpty();
      r = console(agent, lines(""), "Bad/../x");
      assertThat(r.rc()).isEqualTo(2);
      assertThat(r.err()).contains("network must be NAME or NAMESPACE/NAME");
    }
  }
}
