package io.kubevde.agent.dataplane;

import static io.kubevde.testing.Sh.exec;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A retried ADD in the same sandbox after an ADD/DEL the agent could not finish (found by {@code
 * bench/churn}: 433 failed ADDs of one pod): the agent was killed after writing the {@code ready}
 * record of an ADD (the runtime saw code 11), the runtime's DEL then ran without the agent (the CNI
 * binary deleted the tap, record and static address stayed), and every ADD of a new container in
 * the same netns with the same static address got code 7 "already in use" until the netns went. Now
 * the new ADD drops the old record, whose interface is proven gone, with its addresses. The same
 * old record is kept while its interface exists (a live attachment). A real agent (restarted on its
 * state), real netns and taps, CNI through the binary's client (and its DEL fallback without the
 * agent).
 */
class SupersededAttachmentTest {
  private static final String STATIC = "10.77.64.50/24";

  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    Host.requireTool("nsenter", "util-linux");
    dir = Files.createTempDirectory("kvsup");
    netns = new Netns("kvsup");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    if (dir != null) Dirs.deleteTree(dir);
  }

  private CniPlugin.Outcome cni(String cmd, String id, String ns) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", cmd);
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", Netns.path(ns));
    env.put("CNI_IFNAME", "net1");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-" + ns);
    env.put(AgentProtocol.SOCKET_ENV, dir.resolve("cni.sock").toString());
    return plugin.run(
        env,
        "{\"cniVersion\":\"1.1.0\",\"name\":\"sup\",\"type\":\"kubevde\","
            + "\"network\":\"default/sup\",\"ipam\":{\"subnet\":\"10.77.64.0/24\"},"
            + "\"runtimeConfig\":{\"ips\":[\""
            + STATIC
            + "\"]}}");
  }

  private static void ok(CniPlugin.Outcome o) {
    assertThat(o.exitCode()).as("exit code; stdout=%s stderr=%s", o.stdout(), o.stderr()).isZero();
  }

  private static String addresses(String ns) {
    return exec("ip", "-n", ns, "-o", "addr", "show", "dev", "net1").output();
  }

  /** The address reservations left in the agent's IPAM state (one file per address). */
  private List<String> reservedAddresses() throws IOException {
    Path ipam = dir.resolve("state/ipam");
    if (!Files.exists(ipam)) return List.of();
    try (Stream<Path> s = Files.walk(ipam)) {
      return s.filter(Files::isRegularFile)
          .map(p -> p.getFileName().toString())
          .filter(n -> n.matches("\\d+\\.\\d+\\.\\d+\\.\\d+"))
          .toList();
    }
  }

  @Test
  void anAddInTheSameNetnsDropsTheRecordWhoseInterfaceIsGoneAndGetsItsStaticAddress()
      throws Exception {
    String sandbox = netns.create();
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      // the agent wrote the ready record; it is killed before the runtime reads the answer
      ok(cni("ADD", "c1", sandbox));
      assertThat(addresses(sandbox)).contains(STATIC);
    }
    // the runtime's DEL of c1 while the agent is down: the binary deletes the tap locally
    ok(cni("DEL", "c1", sandbox));
    assertThat(exec("ip", "-n", sandbox, "link", "show", "net1").exitCode()).isNotZero();

    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      assertThat(agent.store().list())
          .as("netns still there: the record is kept at start-up")
          .extracting(r -> r.key().containerId())
          .containsExactly("c1");
      assertThat(agent.attachments().unattached()).as("its re-attach fails").hasSize(1);

      // the runtime retries in the same sandbox with a new container id and the same address
      ok(cni("ADD", "c2", sandbox));
      assertThat(addresses(sandbox)).contains(STATIC);
      assertThat(agent.store().list()).extracting(r -> r.key().containerId()).containsExactly("c2");
      assertThat(agent.attachments().unattached()).as("no re-attach retried any more").isEmpty();
      assertThat(agent.dataPlane().attachments())
          .extracting(AttachmentRecord::key)
          .extracting(k -> k.containerId())
          .containsExactly("c2");
      assertThat(reservedAddresses()).containsExactly("10.77.64.50");

      // a live attachment in that netns is never dropped: a third container's ADD is refused
      CniPlugin.Outcome third = cni("ADD", "c3", sandbox);
      assertThat(third.exitCode()).as("stdout=%s", third.stdout()).isNotZero();
      assertThat(agent.store().list()).extracting(r -> r.key().containerId()).containsExactly("c2");
      assertThat(addresses(sandbox)).contains(STATIC);

      ok(cni("DEL", "c2", sandbox));
      assertThat(agent.store().list()).isEmpty();
      assertThat(reservedAddresses()).isEmpty();
      assertThat(agent.dataPlane().attachments()).isEmpty();
    }
  }
}
