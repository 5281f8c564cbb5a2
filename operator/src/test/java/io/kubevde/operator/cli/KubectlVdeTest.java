package io.kubevde.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkStatus;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import io.kubevde.operator.testing.Fixtures;
import io.kubevde.testing.KubeApi;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code kubectl vde} against a real kube-apiserver (objects written as the operator and agents
 * write them): {@code status} shows networks, links and nodes with their health and exits 1 when
 * something is not ready; {@code capture} and {@code console} explain what they need when they
 * cannot run (an unknown network is an error with exit status 2).
 */
class KubectlVdeTest {
  private static KubeApi api;
  private static KubernetesClient client;
  private static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    api = KubeApi.withKubevdeCrds();
    client = api.client();
    kubeconfig = Files.createTempFile("kv-kubectl-vde", ".yaml");
    Files.writeString(kubeconfig, api.kubeConfigYaml());
  }

  @AfterAll
  static void stop() throws Exception {
    if (client != null) client.close();
    if (kubeconfig != null) Files.deleteIfExists(kubeconfig);
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    StringWriter out = new StringWriter(), err = new StringWriter();
    CommandLine cmd = new CommandLine(new KubectlVde());
    cmd.setOut(new PrintWriter(out, true));
    cmd.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, args.length);
    all[args.length] = "--kubeconfig";
    all[args.length + 1] = kubeconfig.toString();
    int code = cmd.execute(all);
    return new Run(code, out.toString(), err.toString());
  }

  private static Condition ready(boolean ok, String reason, String message) {
    return new ConditionBuilder()
        .withType("Ready")
        .withStatus(ok ? "True" : "False")
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(Instant.now().toString())
        .build();
  }

  private static void network(String ns, String name, VdeNetworkStatus status) {
    VdeNetwork created =
        client
            .resources(VdeNetwork.class)
            .inNamespace(ns)
            .resource(VdeNetwork.of(ns, name, Fixtures.spec(null, null, null)))
            .create();
    created.setStatus(status);
    client.resources(VdeNetwork.class).resource(created).updateStatus();
  }

  @Test
  void statusShowsEveryObjectsHealthAndExitsOneWhenSomethingIsNotReady() {
    String ns = KubeApi.newNamespace(client, "kvstatus");
    network(
        ns,
        "blue",
        new VdeNetworkStatus(
            1L,
            List.of(ready(true, "Ready", "serving")),
            4100,
            null,
            null,
            1450,
            "2/2",
            2,
            2,
            3,
            null,
            null,
            null));
    network(
        ns,
        "red",
        new VdeNetworkStatus(
            1L,
            List.of(ready(false, "PortConflict", "port 14789 is used by " + ns + "/blue")),
            4101,
            null,
            null,
            1450,
            "0/2",
            0,
            2,
            0,
            null,
            null,
            null));
    VdeNode node = new VdeNode();
    node.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(ns + "-n1").build());
    node.setSpec(new VdeNodeSpec("10.0.0.7", "0.1.0"));
    VdeNode createdNode = client.resources(VdeNode.class).resource(node).create();
    createdNode.setStatus(
        new VdeNodeStatus(
            List.of(
                new NodeNetwork(ns, "blue", true, 3, 4),
                new NodeNetwork(ns, "red", false, 0, 0, "uplink: port 14789 in use")),
            3,
            null,
            null,
            4,
            Instant.now().toString(),
            List.of(ready(true, "AgentReady", "ok"))));
    client.resources(VdeNode.class).resource(createdNode).updateStatus();

    Run r = run("status", "-n", ns);
    assertThat(r.code()).as(r.err()).isEqualTo(1);
    List<String> lines = r.out().lines().toList();
    assertThat(lines)
        .anySatisfy(l -> assertThat(l).startsWith("NETWORKS").contains("READY", "VNI"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(ns + "/blue ")
                    .containsPattern("True\\s+4100\\s+2/2\\s+3"));
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(ns + "/red ")
                    .contains("False", "PortConflict", "port 14789 is used by"));
    assertThat(r.out()).contains("No VdeLinks found.");
    assertThat(lines)
        .anySatisfy(
            l ->
                assertThat(l)
                    .startsWith(ns + "-n1 ")
                    .contains("True", "10.0.0.7", ns + "/red (uplink: port 14789 in use)"));

    client.resources(VdeNetwork.class).inNamespace(ns).withName("red").delete();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(30))
        .until(
            () -> client.resources(VdeNetwork.class).inNamespace(ns).withName("red").get() == null);
    createdNode = client.resources(VdeNode.class).withName(ns + "-n1").get();
    createdNode.setStatus(
        new VdeNodeStatus(
            List.of(new NodeNetwork(ns, "blue", true, 3, 4)),
            3,
            null,
            null,
            4,
            Instant.now().toString(),
            List.of(ready(true, "AgentReady", "ok"))));
    client.resources(VdeNode.class).resource(createdNode).updateStatus();
    Run ok = run("status", "-n", ns);
    // other tests' VdeNodes (cluster-scoped) may be listed too: only this namespace's node matters
    assertThat(ok.out()).doesNotContain(ns + "/red");
    assertThat(ok.out().lines().filter(l -> l.startsWith(ns)).toList())
        .allSatisfy(l -> assertThat(l).doesNotContain("False"));
  }

  @Test
  void captureSaysWhatItNeeds() {
    Run noNode = run("capture", "blue", "-w", "x.pcapng");
    assertThat(noNode.code()).isEqualTo(2);
    assertThat(noNode.err()).contains("--node NODE (or --pod POD)");
    Run noPod = run("capture", "blue", "--pod", "ghost", "-w", "x.pcapng");
    assertThat(noPod.code()).isEqualTo(2);
    assertThat(noPod.err()).contains("pod default/ghost not found");
    Run noAgent = run("capture", "blue", "--node", "n9", "-w", "x.pcapng");
    assertThat(noAgent.code()).isEqualTo(2);
    assertThat(noAgent.err()).contains("no running kubevde agent on node n9");
    Run usage = run("capture", "blue");
    assertThat(usage.code()).isEqualTo(2);
    assertThat(usage.err()).contains("Missing required option: '--write=FILE'");
  }

  @Test
  void consoleSaysWhatItNeedsAndAnUnknownNetworkIsAnError() {
    String ns = KubeApi.newNamespace(client, "kvconsole");
    Run unknown = run("console", "nope", "-n", ns, "--node", "n1");
    assertThat(unknown.code()).isEqualTo(2);
    assertThat(unknown.err()).contains("error: VdeNetwork " + ns + "/nope not found");
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, "blue", Fixtures.spec(null, null, null)))
        .create();
    Run noNode = run("console", ns + "/blue");
    assertThat(noNode.code()).isEqualTo(2);
    assertThat(noNode.err()).contains("--node NODE (or --pod POD)");
    Run noPod = run("console", "blue", "-n", ns, "--pod", "ghost");
    assertThat(noPod.code()).isEqualTo(2);
    assertThat(noPod.err()).contains("pod " + ns + "/ghost not found");
    Run noAgent = run("console", "blue", "-n", ns, "--node", "n9");
    assertThat(noAgent.code()).isEqualTo(2);
    assertThat(noAgent.err()).contains("no running kubevde agent on node n9");
    Run help = run("console", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("echo port/print | kubectl vde console blue -n demo --node");
  }
}
