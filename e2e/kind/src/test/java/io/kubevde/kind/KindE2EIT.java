package io.kubevde.kind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.kubevde.api.v1alpha1.LinkMode;
import io.kubevde.api.v1alpha1.LinkPath;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.PathStatus;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeLinkSpec;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkStatus;
import io.kubevde.api.v1alpha1.VdeNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * kubevde on a real 3-node kind cluster, installed as a user would (architecture.md §8.5,
 * k8s-conventions.md §6): create the cluster, load the images e2e/images/build made, install
 * Multus, {@code helm install} charts/kubevde, apply e2e/examples (a VdeNetwork and three pods
 * asking for it through {@code k8s.v1.cni.cncf.io/networks}), then assert what a user sees: the
 * agent DaemonSet on every node, VdeNodes reporting, each pod's {@code net1} with an address of the
 * network's subnet, ping across nodes and on one node with 0 % loss, a VDE client on a node joining
 * the pod network, a VdeLink hand-off under ping with 0 lost, an agent rolling restart under ping,
 * attachments released when the pods go. Skips (with the reason) where Docker or kind is missing,
 * as on the project's build machines.
 */
@Tag("kind")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KindE2EIT {
  static final Path ROOT =
      Path.of(System.getProperty("kubevde.root", "../..")).toAbsolutePath().normalize();
  static final String CLUSTER = env("KUBEVDE_KIND_CLUSTER", "kubevde-e2e");
  static final String SYSTEM_NS = "kubevde-system";
  static final String NS = "kubevde-e2e";
  static final String DEFAULT_MULTUS =
      "https://raw.githubusercontent.com/k8snetworkplumbingwg/multus-cni/"
          + "v4.2.2/deployments/multus-daemonset-thick.yml";
  static final String MULTUS_ANNOTATION = "k8s.v1.cni.cncf.io/networks";
  static final String CHAINED_ANNOTATION = "kubevde.io/networks";
  static boolean created;

  /** the primary conflist kubevde was chained into (undone in clean-up), or null */
  static String chained;

  static Path kubeconfig;
  static KubernetesClient client;

  /** why the suite cannot run here, or null */
  static String skip;

  @BeforeAll
  static void cluster() throws Exception {
    String existing = System.getenv("KUBEVDE_KIND_KUBECONFIG");
    boolean reuse = existing != null && !existing.isBlank();
    String why = Kind.unavailable();
    Path images = ROOT.resolve("e2e/images/target/images");
    if (why != null) {
      skip =
          "kind e2e skipped: "
              + why
              + ". Needs a Docker engine and kind on the PATH (see e2e/README.md, "
              + "\"kind e2e\").";
    } else if (!Files.exists(images.resolve("kubevde-agent.tar"))) {
      skip =
          "kind e2e skipped: no "
              + images.resolve("kubevde-agent.tar")
              + " (run e2e/kind/run, which builds the images first)";
    }
    if (skip != null) {
      System.out.println(skip);
      return;
    }
    if (reuse) {
      kubeconfig = Path.of(existing);
    } else {
      Path cfg = Files.createTempFile("kind-config", ".yaml");
      Files.writeString(cfg, Kind.clusterConfig());
      kubeconfig = Files.createTempFile("kind-kubeconfig", "");
      Kind.run(
          List.of(
              Kind.kind(),
              "create",
              "cluster",
              "--name",
              CLUSTER,
              "--config",
              cfg.toString(),
              "--kubeconfig",
              kubeconfig.toString(),
              "--wait",
              "180s"),
          600);
      created = true;
    }
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
            .build();
    if (created) {
      for (String img : List.of("kubevde-operator.tar", "kubevde-agent.tar")) {
        Kind.run(
            List.of(
                Kind.kind(),
                "load",
                "image-archive",
                images.resolve(img).toString(),
                "--name",
                CLUSTER),
            600);
      }
    }
  }

  @BeforeEach
  void runnable() {
    Assumptions.assumeTrue(skip == null, skip);
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (chained != null) Kind.unchainKubevde(CLUSTER, chained);
    if (client != null) {
      client.namespaces().withName(NS).delete();
      try {
        Helm.uninstall("kubevde").withNamespace(SYSTEM_NS).withKubeConfig(kubeconfig).call();
      } catch (RuntimeException e) {
        System.out.println("helm uninstall: " + e.getMessage());
      }
      client.close();
    }
    if (created && !"1".equals(System.getenv("KUBEVDE_KIND_KEEP"))) {
      Kind.run(List.of(Kind.kind(), "delete", "cluster", "--name", CLUSTER), 300);
    }
  }

  @Test
  @Order(1)
  void helmInstallsTheOperatorAndMultus() throws Exception {
    String multus = env("KUBEVDE_KIND_MULTUS", DEFAULT_MULTUS);
    if (!"none".equals(multus)) {
      Kind.run(
          List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "apply", "-f", multus), 300);
      await()
          .atMost(Duration.ofMinutes(5))
          .until(
              () ->
                  client.apps().daemonSets().inNamespace("kube-system").list().getItems().stream()
                      .filter(d -> d.getMetadata().getName().startsWith("kube-multus"))
                      .anyMatch(KindE2EIT::rolledOut));
    }
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(SYSTEM_NS)
                .addToLabels("pod-security.kubernetes.io/enforce", "privileged")
                .endMetadata()
                .build())
        .serverSideApply();
    var release =
        new Helm(ROOT.resolve("charts/kubevde"))
            .install()
            .withName("kubevde")
            .withNamespace(SYSTEM_NS)
            .withKubeConfig(kubeconfig)
            .set("operator.image.pullPolicy", "Never")
            .set("agent.image.pullPolicy", "Never")
            .set("multus.enabled", Boolean.toString(!"none".equals(multus)))
            .call();
    assertThat(release.getStatus()).isEqualTo("deployed");
    await()
        .atMost(Duration.ofMinutes(3))
        .until(
            () -> {
              var d =
                  client
                      .apps()
                      .deployments()
                      .inNamespace(SYSTEM_NS)
                      .withName("kubevde-operator")
                      .get();
              return d != null
                  && d.getStatus() != null
                  && Integer.valueOf(1).equals(d.getStatus().getReadyReplicas());
            });
  }

  @Test
  @Order(2)
  void aNetworkBringsTheAgentToEveryNode() throws Exception {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .serverSideApply();
    for (HasMetadata o : load("vdenetwork-blue.yaml"))
      client.resource(o).inNamespace(NS).serverSideApply();
    await()
        .atMost(Duration.ofMinutes(2))
        .untilAsserted(
            () -> {
              VdeNetwork n =
                  client.resources(VdeNetwork.class).inNamespace(NS).withName("blue").get();
              assertThat(n.getStatus()).isNotNull();
              assertThat(n.getStatus().conditions())
                  .anySatisfy(
                      c -> {
                        assertThat(c.getType()).isEqualTo("Ready");
                        assertThat(c.getStatus()).isEqualTo("True");
                      });
            });
    int nodes = client.nodes().list().getItems().size();
    assertThat(nodes).isEqualTo(3);
    await()
        .atMost(Duration.ofMinutes(5))
        .until(
            () ->
                rolledOut(
                    client
                        .apps()
                        .daemonSets()
                        .inNamespace(SYSTEM_NS)
                        .withName("kubevde-agent")
                        .get()));
    await()
        .atMost(Duration.ofMinutes(2))
        .until(() -> client.resources(VdeNode.class).list().getItems().size() == nodes);
  }

  @Test
  @Order(3)
  void podsGetNet1AndPingAcrossNodesAndOnOneNode() throws Exception {
    boolean multus = !"none".equals(System.getenv("KUBEVDE_KIND_MULTUS"));
    String primary = System.getenv("KUBEVDE_KIND_PRIMARY_CNI");
    Assumptions.assumeTrue(
        multus || (primary != null && !primary.isBlank()),
        "pod attachment needs Multus or a primary conflist to chain kubevde to "
            + "(KUBEVDE_KIND_MULTUS=none and no KUBEVDE_KIND_PRIMARY_CNI)");
    if (!multus) {
      Kind.chainKubevde(CLUSTER, primary);
      chained = primary;
    }
    String image = env("KUBEVDE_KIND_TEST_IMAGE", "busybox:1.36");
    for (HasMetadata o : load("pods-blue.yaml")) {
      Pod p = (Pod) o;
      if (!multus) {
        // chained mode: the same request under kubevde's own annotation (agent/README.md "Chained")
        var ann = p.getMetadata().getAnnotations();
        ann.put(CHAINED_ANNOTATION, ann.remove(MULTUS_ANNOTATION));
      }
      p.getSpec()
          .getContainers()
          .forEach(
              c -> {
                c.setImage(image);
                c.setCommand(busybox("sleep", "86400"));
              });
      client.resource(p).inNamespace(NS).create();
    }
    for (String name : List.of("blue-a", "blue-b", "blue-c")) {
      client.pods().inNamespace(NS).withName(name).waitUntilReady(5, TimeUnit.MINUTES);
    }
    Pod a = client.pods().inNamespace(NS).withName("blue-a").get();
    Pod b = client.pods().inNamespace(NS).withName("blue-b").get();
    Pod c = client.pods().inNamespace(NS).withName("blue-c").get();
    assertThat(a.getSpec().getNodeName()).isNotEqualTo(b.getSpec().getNodeName());
    assertThat(a.getSpec().getNodeName()).isEqualTo(c.getSpec().getNodeName());
    String ipA = net1Address("blue-a");
    String ipB = net1Address("blue-b");
    String ipC = net1Address("blue-c");
    for (String ip : List.of(ipA, ipB, ipC)) assertThat(ip).startsWith("192.168.77.");
    assertThat(List.of(ipA, ipB, ipC)).doesNotHaveDuplicates();
    System.out.printf(
        "net1: blue-a %s (%s), blue-b %s (%s), blue-c %s (%s)%n",
        ipA,
        a.getSpec().getNodeName(),
        ipB,
        b.getSpec().getNodeName(),
        ipC,
        c.getSpec().getNodeName());
    String cross = ping("blue-a", ipB);
    System.out.println(
        "cross-node ping blue-a -> blue-b: " + cross.strip().lines().toList().getLast());
    assertThat(cross).as("cross-node ping").contains(" 0% packet loss");
    String same = ping("blue-a", ipC);
    System.out.println(
        "same-node ping blue-a -> blue-c: " + same.strip().lines().toList().getLast());
    assertThat(same).as("same-node ping").contains(" 0% packet loss");
    if (multus) {
      String status = a.getMetadata().getAnnotations().get("k8s.v1.cni.cncf.io/network-status");
      System.out.println("blue-a network-status (Multus): " + status);
      assertThat(status).contains("\"net1\"").contains(ipA);
    }
  }

  @Test
  @Order(4)
  void aPodOnEveryNodeGetsNet1AndReachesTheOthers() throws Exception {
    Assumptions.assumeTrue(
        client.pods().inNamespace(NS).withName("blue-a").get() != null, "no pods from test 3");
    String image = env("KUBEVDE_KIND_TEST_IMAGE", "busybox:1.36");
    boolean multus = !"none".equals(System.getenv("KUBEVDE_KIND_MULTUS"));
    var used =
        client.pods().inNamespace(NS).withLabel("app", "kubevde-e2e").list().getItems().stream()
            .map(p -> p.getSpec().getNodeName())
            .collect(java.util.stream.Collectors.toSet());
    List<String> extra = new java.util.ArrayList<>();
    for (var node : client.nodes().list().getItems()) {
      String n = node.getMetadata().getName();
      if (used.contains(n)) continue;
      String name = "blue-on-" + n.replaceAll("[^a-z0-9-]", "-");
      if (name.length() > 63) name = name.substring(0, 63);
      client
          .resource(
              new io.fabric8.kubernetes.api.model.PodBuilder()
                  .withNewMetadata()
                  .withName(name)
                  .addToLabels("app", "kubevde-e2e")
                  .addToAnnotations(multus ? MULTUS_ANNOTATION : CHAINED_ANNOTATION, "blue")
                  .endMetadata()
                  .withNewSpec()
                  .withNodeName(n)
                  .withTerminationGracePeriodSeconds(1L)
                  .addNewToleration()
                  .withOperator("Exists")
                  .endToleration()
                  .addNewContainer()
                  .withName("shell")
                  .withImage(image)
                  .withCommand(busybox("sleep", "86400"))
                  .withNewSecurityContext()
                  .withNewCapabilities()
                  .addToAdd("NET_RAW")
                  .endCapabilities()
                  .endSecurityContext()
                  .endContainer()
                  .endSpec()
                  .build())
          .inNamespace(NS)
          .create();
      extra.add(name);
    }
    for (String name : extra) {
      client.pods().inNamespace(NS).withName(name).waitUntilReady(5, TimeUnit.MINUTES);
    }
    assertThat(used.size() + extra.size())
        .as("a pod on every node")
        .isEqualTo(client.nodes().list().getItems().size());
    for (String name : extra) {
      String ip = net1Address(name);
      assertThat(ip).startsWith("192.168.77.");
      String out = ping("blue-a", ip);
      System.out.println(
          "ping blue-a -> " + name + " (" + ip + "): " + out.strip().lines().toList().getLast());
      assertThat(out).as("ping blue-a -> %s", name).contains(" 0% packet loss");
      String back = ping(name, net1Address("blue-b"));
      assertThat(back).as("ping %s -> blue-b", name).contains(" 0% packet loss");
    }
  }

  @Test
  @Order(5)
  void iperf3AcrossNodesOverVde() throws Exception {
    Assumptions.assumeTrue(
        client.pods().inNamespace(NS).withName("blue-b").get() != null, "no pods from test 3");
    Assumptions.assumeTrue(
        exec("blue-b", "iperf3", "--version").contains("iperf 3"),
        "the test image has no iperf3 (KUBEVDE_KIND_TEST_IMAGE)");
    String ipB = net1Address("blue-b");
    exec("blue-b", "iperf3", "-s", "-D", "-1", "-B", ipB);
    Thread.sleep(1000);
    String out = exec("blue-a", "iperf3", "-c", ipB, "-t", "5", "-f", "m");
    System.out.println("iperf3 blue-a -> blue-b over VDE (cross-node):\n" + out.strip());
    Matcher m = Pattern.compile("([0-9.]+) Mbits/sec\\s+(\\d+\\s+)?receiver").matcher(out);
    assertThat(m.find()).as("iperf3 receiver line in: %s", out).isTrue();
    assertThat(Double.parseDouble(m.group(1))).as("Mbit/s").isGreaterThan(1.0);
  }

  /**
   * Issue 13: a VDE client on a node joins the pod network. On the control-plane node (a kind node
   * container), Debian's C {@code vde_plug} connects a tap of the node's own network namespace to
   * the agent's rendezvous directory {@code /run/kubevde/net/<ns>/<name>} (agent README
   * "Rendezvous"); the tap gets an address of the network's subnet outside every node's pod range
   * (VdeNetwork {@code status.nodeRanges}), and the node then pings blue-a and blue-b (both on
   * other nodes, over vxvde) and blue-b pings it back, each with 0 % loss.
   */
  @Test
  @Order(6)
  void aVdeClientOnANodeJoinsThePodNetwork() throws Exception {
    Assumptions.assumeTrue(
        client.pods().inNamespace(NS).withName("blue-b").get() != null, "no pods from test 3");
    String image = env("KUBEVDE_KIND_TEST_IMAGE", "busybox:1.36");
    String node = controlPlane();
    VdeNetwork net = client.resources(VdeNetwork.class).inNamespace(NS).withName("blue").get();
    String ip = freeAddresses(net).getFirst();
    String dir = "/run/kubevde/net/" + NS + "/blue";
    String name = "vde-client";
    client
        .resource(
            hostPod(
                name,
                node,
                image,
                List.of(
                    "sh",
                    "-c",
                    "command -v vde_plug >/dev/null || { echo 'no vde_plug in this image';"
                        + " exec sleep 86400; }; exec vde_plug vde://"
                        + dir
                        + " tap://kvcl0"),
                true))
        .inNamespace(NS)
        .create();
    try {
      client.pods().inNamespace(NS).withName(name).waitUntilReady(3, TimeUnit.MINUTES);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  client.pods().inNamespace(NS).withName(name).getLog().contains("no vde_plug")
                      || exec(name, "ip", "-o", "link", "show", "kvcl0").contains(": kvcl0:"));
      Assumptions.assumeFalse(
          client.pods().inNamespace(NS).withName(name).getLog().contains("no vde_plug"),
          "the test image has no vde_plug (KUBEVDE_KIND_TEST_IMAGE; e2e/kind/run's tools image"
              + " has Debian's vdeplug)");
      int mtu = net.getStatus().mtu() == null ? 1450 : net.getStatus().mtu();
      execOk(name, "ip", "link", "set", "kvcl0", "mtu", Integer.toString(mtu), "up");
      execOk(name, "ip", "addr", "add", ip + "/" + prefix(net), "dev", "kvcl0");
      for (String pod : List.of("blue-a", "blue-b")) {
        String target = net1Address(pod);
        String out = exec(name, "ping", "-c", "5", "-W", "2", target);
        System.out.printf(
            "VDE client on %s (C vde_plug, tap kvcl0 %s) -> %s %s (%s): %s%n",
            node,
            ip,
            pod,
            target,
            client.pods().inNamespace(NS).withName(pod).get().getSpec().getNodeName(),
            out.strip().lines().toList().getLast());
        assertThat(out)
            .as("ping from the node's VDE client to %s", pod)
            .contains(" 0% packet loss");
      }
      String back = ping("blue-b", ip);
      System.out.println(
          "blue-b -> VDE client " + ip + ": " + back.strip().lines().toList().getLast());
      assertThat(back).as("ping blue-b -> the node's VDE client").contains(" 0% packet loss");
    } finally {
      client.pods().inNamespace(NS).withName(name).withGracePeriod(0).delete();
      await()
          .atMost(Duration.ofMinutes(1))
          .until(() -> client.pods().inNamespace(NS).withName(name).get() == null);
    }
  }

  /**
   * Issue 13: a VdeLink hand-off under ping loses nothing. A "lab host" outside the pod network (a
   * hostNetwork pod on the control-plane node running the Java {@code vde_plug} from the agent
   * image: a tap on a {@code multi://…[dedup]} netnode that two UDP paths join) is the far end of a
   * {@code multi} VdeLink of network blue on blue-b's node. blue-a (a third node) pings the lab's
   * address every 10 ms while the link is handed from UDP path a to path b as a user would: add b,
   * wait until the VdeLink shows 2/2 paths Up, remove a. The lost pings (requests up to the last
   * answered one without a reply) must be 0; duplicates and timings are printed.
   */
  @Test
  @Order(7)
  void vdeLinkHandOffUnderPingLosesNothing() throws Exception {
    Assumptions.assumeTrue(
        client.pods().inNamespace(NS).withName("blue-b").get() != null, "no pods from test 3");
    Assumptions.assumeTrue(
        exec("blue-a", "ping", "-V").contains("iputils"),
        "a ping every 10 ms needs iputils' ping in the test image (KUBEVDE_KIND_TEST_IMAGE)");
    VdeNetwork net = client.resources(VdeNetwork.class).inNamespace(NS).withName("blue").get();
    String labIp = freeAddresses(net).get(1);
    String labNode = controlPlane();
    String linkNode =
        client.pods().inNamespace(NS).withName("blue-b").get().getSpec().getNodeName();
    String pingNode =
        client.pods().inNamespace(NS).withName("blue-a").get().getSpec().getNodeName();
    assertThat(List.of(labNode, linkNode, pingNode)).doesNotHaveDuplicates();
    String labAddr = nodeAddress(labNode);
    String linkAddr = nodeAddress(linkNode);
    String vdePlug =
        "java --enable-native-access=ALL-UNNAMED -cp '/opt/kubevde/lib/*'"
            + " io.kubevde.vdeplug.cli.VdePlugMain";
    String script =
        String.join(
            "\n",
            vdePlug + " 'multi:///tmp/lab[dedup]' tap://kvlab0 &",
            "while [ ! -e /tmp/lab/ctl ]; do /bin/busybox sleep 0.2; done",
            vdePlug + " vde:///tmp/lab 'udp://5001->" + linkAddr + ":6001' &",
            vdePlug + " vde:///tmp/lab 'udp://5002->" + linkAddr + ":6002' &",
            "wait");
    String lab = "vde-lab";
    client
        .resource(hostPod(lab, labNode, agentImage(), List.of("sh", "-c", script), false))
        .inNamespace(NS)
        .create();
    String pathA = "udp://6001->" + labAddr + ":5001";
    String pathB = "udp://6002->" + labAddr + ":5002";
    try {
      client.pods().inNamespace(NS).withName(lab).waitUntilReady(3, TimeUnit.MINUTES);
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> exec(lab, "/bin/ip", "-o", "link", "show", "kvlab0").contains(": kvlab0:"));
      int mtu = net.getStatus().mtu() == null ? 1450 : net.getStatus().mtu();
      execOk(lab, "/bin/ip", "link", "set", "kvlab0", "mtu", Integer.toString(mtu), "up");
      execOk(lab, "/bin/ip", "addr", "add", labIp + "/" + prefix(net), "dev", "kvlab0");
      applyLink(linkNode, pathA, null);
      awaitLink("1/1 a");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(() -> assertThat(ping("blue-a", labIp)).contains(" 0% packet loss"));
      var ping =
          java.util.concurrent.CompletableFuture.supplyAsync(
              () -> {
                try {
                  return execFor(
                      "blue-a",
                      300,
                      "sh",
                      "-c",
                      // the shell's PID becomes ping's (exec): SIGINT reaches a foreground ping,
                      // which prints its statistics and exits
                      "echo $$ > /tmp/handoff-ping.pid; exec ping -i 0.01 -W 1 " + labIp);
                } catch (Exception e) {
                  throw new java.util.concurrent.CompletionException(e);
                }
              });
      Thread.sleep(3000);
      long t0 = System.nanoTime();
      applyLink(linkNode, pathA, pathB);
      awaitLink("2/2 a b");
      long bothUpMs = (System.nanoTime() - t0) / 1_000_000;
      long t1 = System.nanoTime();
      applyLink(linkNode, null, pathB);
      awaitLink("1/1 b");
      long removedMs = (System.nanoTime() - t1) / 1_000_000;
      Thread.sleep(3000); // traffic on path b alone
      assertThat(ping).as("ping still running: the hand-off happened under traffic").isNotDone();
      exec("blue-a", "sh", "-c", "kill -INT $(cat /tmp/handoff-ping.pid)");
      String out = ping.get(60, TimeUnit.SECONDS);
      List<Integer> got = seqs(out);
      int sent = got.stream().mapToInt(Integer::intValue).max().orElse(0);
      int lost = sent - (int) got.stream().distinct().count();
      long dups = out.lines().filter(l -> l.contains("(DUP!)")).count();
      Matcher tx = Pattern.compile("(\\d+) packets transmitted").matcher(out);
      assertThat(tx.find()).as("ping statistics (SIGINT) in: %s", out).isTrue();
      int transmitted = Integer.parseInt(tx.group(1));
      System.out.printf(
          "VdeLink hand-off udp path a -> a,b -> b under ping (blue-a on %s -> link on %s -> lab"
              + " %s on %s, every 10 ms): %d sent, %d lost, %d duplicate replies (%d transmitted"
              + " until SIGINT); a,b Up after %d ms, a removed after %d ms%n",
          pingNode, linkNode, labIp, labNode, sent, lost, dups, transmitted, bothUpMs, removedMs);
      assertThat(sent).as("echo requests answered during the hand-off").isGreaterThan(500);
      // replies went on until ping was stopped, 3 s after the link reported path b alone (a gap at
      // the end would otherwise not count as lost)
      assertThat(transmitted - sent)
          .as("requests after the last reply (path b alone must carry the traffic)")
          .isLessThanOrEqualTo(20);
      assertThat(lost).as("pings lost during the hand-off: %s", out).isZero();
    } finally {
      client.resources(VdeLink.class).inNamespace(NS).withName("blue-uplink").delete();
      client.pods().inNamespace(NS).withName(lab).withGracePeriod(0).delete();
      await()
          .atMost(Duration.ofMinutes(1))
          .until(
              () ->
                  client.pods().inNamespace(NS).withName(lab).get() == null
                      && client
                              .resources(VdeLink.class)
                              .inNamespace(NS)
                              .withName("blue-uplink")
                              .get()
                          == null);
    }
  }

  /**
   * Issue 13: a rolling restart of the agent DaemonSet (as {@code kubectl rollout restart} does: a
   * new template annotation) while blue-a pings blue-b across nodes every 100 ms; the lost pings
   * are counted and printed, and the path must work again (0 % loss) once every agent is back.
   */
  @Test
  @Order(8)
  void agentRollingRestartUnderPingCountsTheLoss() throws Exception {
    Assumptions.assumeTrue(
        client.pods().inNamespace(NS).withName("blue-b").get() != null, "no pods from test 3");
    String ipB = net1Address("blue-b");
    String image = env("KUBEVDE_KIND_TEST_IMAGE", "busybox:1.36");
    boolean busybox = image.contains("busybox") || image.contains("kubevde/agent");
    List<String> pingCmd =
        busybox
            ? busybox("ping", "-c", "120", "-W", "1", ipB)
            : List.of("ping", "-c", "1200", "-i", "0.1", "-W", "1", ipB);
    var ping =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return execFor("blue-a", 240, pingCmd.toArray(String[]::new));
              } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
              }
            });
    Thread.sleep(3000);
    String ds = "kubevde-agent";
    long before =
        client
            .apps()
            .daemonSets()
            .inNamespace("kubevde-system")
            .withName(ds)
            .get()
            .getMetadata()
            .getGeneration();
    long t0 = System.nanoTime();
    client
        .apps()
        .daemonSets()
        .inNamespace("kubevde-system")
        .withName(ds)
        .edit(
            d -> {
              var meta = d.getSpec().getTemplate().getMetadata();
              if (meta.getAnnotations() == null) meta.setAnnotations(new java.util.HashMap<>());
              meta.getAnnotations()
                  .put("kubectl.kubernetes.io/restartedAt", java.time.Instant.now().toString());
              return d;
            });
    await()
        .atMost(Duration.ofMinutes(5))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              DaemonSet d =
                  client.apps().daemonSets().inNamespace("kubevde-system").withName(ds).get();
              return d.getStatus() != null
                  && d.getStatus().getObservedGeneration() != null
                  && d.getStatus().getObservedGeneration() > before
                  && d.getStatus().getUpdatedNumberScheduled() != null
                  && d.getStatus()
                      .getUpdatedNumberScheduled()
                      .equals(d.getStatus().getDesiredNumberScheduled())
                  && rolledOut(d);
            });
    long rolloutMs = (System.nanoTime() - t0) / 1_000_000;
    String out = ping.get(5, TimeUnit.MINUTES);
    Matcher m =
        Pattern.compile("(\\d+) packets transmitted, (\\d+) (packets )?received").matcher(out);
    assertThat(m.find()).as("ping summary in: %s", out).isTrue();
    int sent = Integer.parseInt(m.group(1));
    int received = Integer.parseInt(m.group(2));
    System.out.printf(
        "agent rolling restart under ping (blue-a -> blue-b, cross-node): rollout %d ms, %d sent,"
            + " %d lost%n",
        rolloutMs, sent, sent - received);
    assertThat(received).as("pings answered during the rollout: %s", out).isPositive();
    await()
        .atMost(Duration.ofMinutes(2))
        .untilAsserted(() -> assertThat(ping("blue-a", ipB)).contains(" 0% packet loss"));
  }

  @Test
  @Order(9)
  void deletingThePodsReleasesTheirAttachments() throws Exception {
    client.pods().inNamespace(NS).withLabel("app", "kubevde-e2e").delete();
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                client
                    .pods()
                    .inNamespace(NS)
                    .withLabel("app", "kubevde-e2e")
                    .list()
                    .getItems()
                    .isEmpty());
    await()
        .atMost(Duration.ofMinutes(3))
        .until(
            () -> {
              VdeNetwork n =
                  client.resources(VdeNetwork.class).inNamespace(NS).withName("blue").get();
              return n.getStatus() != null
                  && (n.getStatus().attachments() == null || n.getStatus().attachments() == 0);
            });
    await()
        .atMost(Duration.ofMinutes(2))
        .untilAsserted(
            () ->
                assertThat(client.resources(VdeNode.class).list().getItems())
                    .allSatisfy(
                        vn ->
                            assertThat(
                                    vn.getStatus() == null || vn.getStatus().attachments() == null
                                        ? 0
                                        : vn.getStatus().attachments())
                                .as("attachments of VdeNode %s", vn.getMetadata().getName())
                                .isZero()));
    if (Kind.onPath("docker")) {
      // on the nodes: no attachment record and no reserved address left (the pool keeps only its
      // cursor)
      for (var node : client.nodes().list().getItems()) {
        String left =
            Kind.run(
                List.of(
                    "docker",
                    "exec",
                    node.getMetadata().getName(),
                    "sh",
                    "-c",
                    "find /var/lib/kubevde/attachments /var/lib/kubevde/ipam -type f"
                        + " ! -name 'last_reserved_ip*'"),
                60);
        assertThat(left.strip())
            .as("agent state left on %s", node.getMetadata().getName())
            .isEmpty();
      }
    }
    client.resources(VdeNetwork.class).inNamespace(NS).withName("blue").delete();
    await()
        .atMost(Duration.ofMinutes(2))
        .until(
            () ->
                client.resources(VdeNetwork.class).inNamespace(NS).withName("blue").get() == null);
  }

  /** Applies VdeLink blue-uplink ({@code multi}, on {@code node}) with paths a and/or b. */
  private static void applyLink(String node, String pathA, String pathB) {
    List<LinkPath> paths = new java.util.ArrayList<>();
    if (pathA != null) paths.add(new LinkPath("a", pathA));
    if (pathB != null) paths.add(new LinkPath("b", pathB));
    VdeLink link =
        VdeLink.of(
            NS,
            "blue-uplink",
            new VdeLinkSpec("blue", node, null, LinkMode.MULTI, List.copyOf(paths)));
    client.resource(link).inNamespace(NS).forceConflicts().serverSideApply();
  }

  /**
   * Waits until VdeLink blue-uplink shows {@code expected}: its {@code status.pathsUp} and the
   * names of its reported paths, e.g. {@code "2/2 a b"}.
   */
  private static void awaitLink(String expected) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              VdeLink l =
                  client.resources(VdeLink.class).inNamespace(NS).withName("blue-uplink").get();
              if (l == null || l.getStatus() == null || l.getStatus().paths() == null) return false;
              String names =
                  l.getStatus().paths().stream()
                      .map(PathStatus::name)
                      .sorted()
                      .collect(java.util.stream.Collectors.joining(" "));
              return expected.equals(l.getStatus().pathsUp() + " " + names);
            });
  }

  /**
   * A privileged pod in the host network namespace of {@code node} (the way a process started on
   * the node itself would run), optionally with the node's {@code /run/kubevde} (the agent's
   * rendezvous directories).
   */
  private static Pod hostPod(
      String name, String node, String image, List<String> command, boolean runDir) {
    var spec =
        new io.fabric8.kubernetes.api.model.PodSpecBuilder()
            .withNodeName(node)
            .withHostNetwork(true)
            .withTerminationGracePeriodSeconds(1L)
            .addNewToleration()
            .withOperator("Exists")
            .endToleration()
            .addNewContainer()
            .withName("main")
            .withImage(image)
            .withImagePullPolicy("IfNotPresent")
            .withCommand(command)
            .withNewSecurityContext()
            .withPrivileged(true)
            .endSecurityContext()
            .endContainer();
    if (runDir) {
      spec.editFirstContainer()
          .addNewVolumeMount()
          .withName("run-kubevde")
          .withMountPath("/run/kubevde")
          .endVolumeMount()
          .endContainer()
          .addNewVolume()
          .withName("run-kubevde")
          .withNewHostPath()
          .withPath("/run/kubevde")
          .withType("Directory")
          .endHostPath()
          .endVolume();
    }
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata()
        .withName(name)
        .addToLabels("app", "kubevde-e2e-host")
        .endMetadata()
        .withSpec(spec.build())
        .build();
  }

  /** The image the agent DaemonSet runs (loaded into the nodes; has java and the vdeplug jars). */
  private static String agentImage() {
    return client
        .apps()
        .daemonSets()
        .inNamespace(SYSTEM_NS)
        .withName("kubevde-agent")
        .get()
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .getFirst()
        .getImage();
  }

  private static String controlPlane() {
    return client.nodes().list().getItems().stream()
        .filter(
            n ->
                n.getMetadata().getLabels() != null
                    && n.getMetadata()
                        .getLabels()
                        .containsKey("node-role.kubernetes.io/control-plane"))
        .map(n -> n.getMetadata().getName())
        .findFirst()
        .orElseThrow();
  }

  private static String nodeAddress(String node) {
    return client.nodes().withName(node).get().getStatus().getAddresses().stream()
        .filter(a -> "InternalIP".equals(a.getType()))
        .map(io.fabric8.kubernetes.api.model.NodeAddress::getAddress)
        .findFirst()
        .orElseThrow();
  }

  private static int prefix(VdeNetwork net) {
    return Integer.parseInt(net.getSpec().ipam().subnet().split("/")[1]);
  }

  /**
   * IPv4 addresses of the network's subnet that no node's pod range covers (VdeNetwork {@code
   * status.nodeRanges}) and that are not its gateway, highest first: what a VDE client outside the
   * pods may use without colliding with the network's IPAM.
   */
  private static List<String> freeAddresses(VdeNetwork net) {
    assertThat(net.getStatus())
        .as("status of VdeNetwork blue (its node ranges)")
        .isNotNull()
        .extracting(VdeNetworkStatus::nodeRanges)
        .isNotNull();
    String[] subnet = net.getSpec().ipam().subnet().split("/");
    int bits = Integer.parseInt(subnet[1]);
    long base = ipv4(subnet[0]) & (0xffffffffL << (32 - bits)) & 0xffffffffL;
    long size = 1L << (32 - bits);
    List<long[]> taken = new java.util.ArrayList<>();
    for (NodeRange r : net.getStatus().nodeRanges()) {
      String[] c = r.cidr().split("/");
      int b = Integer.parseInt(c[1]);
      long start = ipv4(c[0]) & (0xffffffffL << (32 - b)) & 0xffffffffL;
      taken.add(new long[] {start, start + (1L << (32 - b)) - 1});
    }
    String gw = net.getSpec().ipam().gateway();
    List<String> out = new java.util.ArrayList<>();
    for (long a = base + size - 2; a > base && out.size() < 4; a--) {
      long x = a;
      if (taken.stream().anyMatch(t -> x >= t[0] && x <= t[1])) continue;
      String ip =
          ((a >> 24) & 255) + "." + ((a >> 16) & 255) + "." + ((a >> 8) & 255) + "." + (a & 255);
      if (!ip.equals(gw)) out.add(ip);
    }
    assertThat(out)
        .as("free addresses outside the node ranges %s", net.getStatus().nodeRanges())
        .hasSizeGreaterThan(1);
    return out;
  }

  private static long ipv4(String ip) {
    long v = 0;
    for (String part : ip.split("\\.")) v = (v << 8) | Integer.parseInt(part);
    return v;
  }

  private static final Pattern SEQ = Pattern.compile("bytes from .*icmp_seq=(\\d+) ");

  /** The icmp_seq of each echo reply in ping's output (duplicates included). */
  private static List<Integer> seqs(String pingOutput) {
    List<Integer> out = new java.util.ArrayList<>();
    Matcher m = SEQ.matcher(pingOutput);
    while (m.find()) out.add(Integer.parseInt(m.group(1)));
    return out;
  }

  private static String execOk(String pod, String... cmd) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch w =
        client
            .pods()
            .inNamespace(NS)
            .withName(pod)
            .writingOutput(out)
            .writingError(out)
            .exec(cmd)) {
      Integer rc = w.exitCode().get(60, TimeUnit.SECONDS);
      assertThat(rc).as("%s in %s: %s", String.join(" ", cmd), pod, out).isZero();
    }
    return out.toString();
  }

  private static List<HasMetadata> load(String example) throws IOException {
    try (InputStream in = Files.newInputStream(ROOT.resolve("e2e/examples").resolve(example))) {
      return client.load(in).items();
    }
  }

  private static String net1Address(String pod) throws Exception {
    String out = exec(pod, "/bin/ip", "-4", "-o", "addr", "show", "dev", "net1");
    Matcher m = Pattern.compile("inet (\\d+\\.\\d+\\.\\d+\\.\\d+)/").matcher(out);
    assertThat(m.find()).as("net1 of %s: %s", pod, out).isTrue();
    return m.group(1);
  }

  private static String ping(String pod, String ip) throws Exception {
    return exec(pod, busybox("ping", "-c", "5", "-W", "2", ip).toArray(String[]::new));
  }

  private static String exec(String pod, String... cmd) throws Exception {
    return execFor(pod, 60, cmd);
  }

  private static String execFor(String pod, int seconds, String... cmd) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch w =
        client
            .pods()
            .inNamespace(NS)
            .withName(pod)
            .writingOutput(out)
            .writingError(out)
            .exec(cmd)) {
      w.exitCode().get(seconds, TimeUnit.SECONDS);
    }
    return out.toString();
  }

  /**
   * A command line for the test image: busybox and Debian images have {@code sleep} and {@code
   * ping} on the PATH; the agent image (usable as a test image without a registry) only as {@code
   * /bin/busybox} applets.
   */
  private static List<String> busybox(String... args) {
    String image = env("KUBEVDE_KIND_TEST_IMAGE", "busybox:1.36");
    var cmd = new java.util.ArrayList<String>();
    if (image.contains("kubevde/agent")) cmd.add("/bin/busybox");
    cmd.addAll(List.of(args));
    return cmd;
  }

  private static boolean rolledOut(DaemonSet d) {
    return d != null
        && d.getStatus() != null
        && d.getStatus().getDesiredNumberScheduled() != null
        && d.getStatus().getDesiredNumberScheduled() > 0
        && d.getStatus().getDesiredNumberScheduled().equals(d.getStatus().getNumberReady());
  }

  private static String env(String name, String dflt) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? dflt : v;
  }
}
