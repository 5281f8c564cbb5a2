package io.kubevde.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.agent.attach.NetworkStatus;
import io.kubevde.agent.attach.PodNetworks;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.KubeApi;
import io.kubevde.testing.Netns;
import io.kubevde.testing.Sh;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * kubevde chained after a real primary plugin (Debian's Go {@code bridge} with {@code host-local})
 * against a real kube-apiserver: the pod's {@value PodNetworks#ANNOTATION} annotation, read by the
 * agent, gives the pod {@code net1} on the VdeNetwork with an address from this node's block, and
 * the result holds both plugins' interfaces; a pod without the annotation gets prevResult back
 * unchanged; DEL (without prevResult) removes net1, record and address. The pod's Multus-format
 * {@value NetworkStatus#ANNOTATION} gets kubevde's entry next to what was there, and loses it on
 * DEL.
 */
class ChainedAttachmentTest {
  private static final Path BRIDGE = Path.of("/usr/lib/cni/bridge");
  private Path dir;
  private Netns netns;
  private KubernetesClient client;
  private String ns;
  private final String node = "node-" + UUID.randomUUID().toString().substring(0, 6);
  private final String bridge = "kvc" + UUID.randomUUID().toString().substring(0, 8);

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    Host.requireFile(BRIDGE, "containernetworking-plugins");
    dir = Files.createTempDirectory("kvchain");
    netns = new Netns();
    Files.writeString(dir.resolve("kubeconfig"), KubeApi.withKubevdeCrds().kubeConfigYaml());
    client = KubeApi.withKubevdeCrds().client();
    ns = KubeApi.newNamespace(client, "chain");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (netns != null) netns.close();
    Sh.exec("ip", "link", "del", bridge);
    if (client != null) client.close();
    Dirs.deleteTree(dir);
  }

  private void configMap() {
    String json =
        """
                {"namespace":"%s","name":"blue","uid":"u1","generation":1,"transport":"local","port":14789,"mtu":1400,
                 "switchMode":"learning","nodeSelector":{},"ipamType":"host-local","subnet":"192.168.77.0/24",
                 "gateway":"192.168.77.1","exclude":[],"nodeRanges":{"%s":{"node":"%s","cidr":"192.168.77.64/26"}},
                 "peers":[]}"""
            .formatted(ns, node, node);
    client
        .configMaps()
        .inNamespace(ns)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName("vnet." + ns + ".blue")
                .withLabels(
                    Map.of(
                        "app.kubernetes.io/component",
                        "agent-config",
                        "app.kubernetes.io/managed-by",
                        "kubevde"))
                .endMetadata()
                .withData(Map.of("network.json", json))
                .build())
        .create();
  }

  /** What a primary plugin's writer (e.g. a previous Multus) left: kubevde keeps it. */
  private static final String FOREIGN_STATUS =
      "[{\"name\":\"kindnet\",\"interface\":\"eth0\",\"ips\":[\"10.77.0.200\"],"
          + "\"mac\":\"02:00:00:00:00:01\",\"default\":true,\"dns\":{}}]";

  @SuppressWarnings("unchecked")
  private List<Map<String, Object>> networkStatus(String pod) {
    String v =
        client
            .pods()
            .inNamespace(ns)
            .withName(pod)
            .get()
            .getMetadata()
            .getAnnotations()
            .get(NetworkStatus.ANNOTATION);
    return v == null ? List.of() : (List<Map<String, Object>>) Json.parse(v);
  }

  private void pod(String name, String networks) {
    PodBuilder b =
        new PodBuilder()
            .withNewMetadata()
            .withNamespace(ns)
            .withName(name)
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("c")
            .withImage("busybox")
            .endContainer()
            .endSpec();
    if (networks != null)
      b.editMetadata()
          .withAnnotations(
              Map.of(PodNetworks.ANNOTATION, networks, NetworkStatus.ANNOTATION, FOREIGN_STATUS))
          .endMetadata();
    client.pods().inNamespace(ns).resource(b.build()).create();
  }

  private Map<String, String> env(String cmd, String id, String pod, String podName) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", cmd);
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", Netns.path(pod));
    env.put("CNI_IFNAME", "eth0");
    env.put("CNI_PATH", "/usr/lib/cni");
    env.put("CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=" + ns + ";K8S_POD_NAME=" + podName);
    return env;
  }

  /** Runs the primary plugin (bridge + host-local) and returns its stdout (the prevResult). */
  private String bridge(String cmd, String id, String pod, String podName)
      throws IOException, InterruptedException {
    String conf =
        """
                {"cniVersion":"1.0.0","name":"kvchain","type":"bridge","bridge":"%s",
                 "ipam":{"type":"host-local","subnet":"10.77.0.0/24","rangeStart":"10.77.0.200","dataDir":"%s"}}"""
            .formatted(bridge, dir.resolve("host-local"));
    ProcessBuilder pb = new ProcessBuilder(BRIDGE.toString()).redirectErrorStream(true);
    pb.environment().putAll(env(cmd, id, pod, podName));
    Process p = pb.start();
    try (var in = p.getOutputStream()) {
      in.write(conf.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(out).isZero();
    return out;
  }

  private CniPlugin.Outcome kubevde(
      Agent agent, String cmd, String id, String pod, String podName, String prev) {
    String conf =
        "{\"cniVersion\":\"1.0.0\",\"name\":\"kvchain\",\"type\":\"kubevde\""
            + (prev != null ? ",\"prevResult\":" + prev : "")
            + "}";
    Map<String, String> env = env(cmd, id, pod, podName);
    env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
    return new CniPlugin(p -> new AgentClient(p, 60_000)).run(env, conf);
  }

  @Test
  @SuppressWarnings("unchecked")
  void chainedAfterBridgeFollowsThePodAnnotation() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), ns, 1_000);
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      configMap();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(ns + "/blue").isPresent());
      pod("pa", "blue");
      pod("pb", null);
      String a = netns.create(), b = netns.create();

      // pod with the annotation: eth0 from bridge, net1 from kubevde
      String prevA = bridge("ADD", "ca", a, "pa");
      CniPlugin.Outcome r = kubevde(agent, "ADD", "ca", a, "pa", prevA);
      assertThat(r.exitCode()).as(r.stdout()).isZero();
      Map<String, Object> res = Json.parseObject(r.stdout());
      List<Map<String, Object>> ifs = (List<Map<String, Object>>) res.get("interfaces");
      List<Map<String, Object>> prevIfs =
          (List<Map<String, Object>>) Json.parseObject(prevA).get("interfaces");
      assertThat(ifs).hasSize(prevIfs.size() + 1);
      assertThat(ifs.subList(0, prevIfs.size())).isEqualTo(prevIfs);
      assertThat(ifs.getLast())
          .containsEntry("name", "net1")
          .containsEntry("sandbox", Netns.path(a));
      List<Map<String, Object>> ips = (List<Map<String, Object>>) res.get("ips");
      assertThat(ips)
          .extracting(m -> String.valueOf(m.get("address")))
          .anyMatch(s -> s.startsWith("10.77.0.2"))
          .anyMatch(s -> s.matches("192\\.168\\.77\\.(6[4-9]|[7-9]\\d|1[01]\\d|12[0-7])/24"));
      Map<String, Object> own =
          ips.stream()
              .filter(m -> String.valueOf(m.get("address")).startsWith("192.168.77."))
              .findFirst()
              .orElseThrow();
      assertThat(((Number) own.get("interface")).intValue()).isEqualTo(ifs.size() - 1);
      String addr = String.valueOf(own.get("address"));
      assertThat(Sh.run("ip", "-n", a, "-4", "-o", "addr", "show", "dev", "net1"))
          .contains("inet " + addr);
      assertThat(Sh.run("ip", "-n", a, "-4", "-o", "addr", "show", "dev", "eth0"))
          .contains("inet 10.77.0.2");
      assertThat(agent.dataPlane().network(ns + "/blue").orElseThrow().attachments()).isEqualTo(1);
      assertThat(kubevde(agent, "CHECK", "ca", a, "pa", r.stdout()).exitCode()).isZero();
      // Multus' network-status annotation: the entry already there kept, kubevde's appended
      String mac = String.valueOf(ifs.getLast().get("mac"));
      List<Map<String, Object>> st = networkStatus("pa");
      assertThat(st).hasSize(2);
      assertThat(st.getFirst()).isEqualTo(((List<?>) Json.parse(FOREIGN_STATUS)).getFirst());
      assertThat(st.getLast())
          .containsEntry("name", ns + "/blue")
          .containsEntry("interface", "net1")
          .containsEntry("ips", List.of(addr.substring(0, addr.indexOf('/'))))
          .containsEntry("mac", mac)
          .containsEntry("default", false)
          .containsEntry("dns", Map.of());
      assertThat(Sh.run("ip", "-n", a, "link", "show", "net1")).contains(mac);

      // pod without the annotation: prevResult unchanged, nothing made
      String prevB = bridge("ADD", "cb", b, "pb");
      CniPlugin.Outcome rb = kubevde(agent, "ADD", "cb", b, "pb", prevB);
      assertThat(rb.exitCode()).as(rb.stdout()).isZero();
      assertThat(Json.parseObject(rb.stdout())).isEqualTo(Json.parseObject(prevB));
      assertThat(networkStatus("pb"))
          .as("nothing written for a pod kubevde did not attach")
          .isEmpty();
      assertThat(Sh.exec("ip", "-n", b, "link", "show", "net1").exitCode()).isNotZero();

      // DEL without prevResult (records only): net1, record and address go; eth0 is the primary's
      // business
      assertThat(kubevde(agent, "DEL", "ca", a, "pa", null).exitCode()).isZero();
      assertThat(Sh.exec("ip", "-n", a, "link", "show", "net1").exitCode()).isNotZero();
      assertThat(Sh.exec("ip", "-n", a, "link", "show", "eth0").exitCode()).isZero();
      assertThat(agent.store().list()).isEmpty();
      assertThat(agent.dataPlane().network(ns + "/blue").orElseThrow().attachments()).isZero();
      assertThat(networkStatus("pa"))
          .as("DEL removes kubevde's entry, keeps the others")
          .isEqualTo(Json.parse(FOREIGN_STATUS));
      assertThat(kubevde(agent, "DEL", "ca", a, "pa", null).exitCode()).as("idempotent").isZero();
      assertThat(kubevde(agent, "DEL", "cb", b, "pb", null).exitCode()).isZero();
      bridge("DEL", "ca", a, "pa");
      bridge("DEL", "cb", b, "pb");
    }
  }
}
