package io.kubevde.agent.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Tenant isolation through the real agent and the binary's client against a real kube-apiserver
 * (root, real namespaces): a pod of another namespace is refused on both attach paths — a NAD
 * config naming {@code <net-ns>/blue} and the chained {@value PodNetworks#ANNOTATION} annotation —
 * with code 104 naming both namespaces and the network, before any interface exists; a missing
 * {@code K8S_POD_NAMESPACE} is refused too; once the operator's config lists the pod's namespace in
 * {@code allowedNamespaces}, the same ADD succeeds.
 */
class TenantIsolationTest {
  private Path dir;
  private Netns netns;
  private KubernetesClient client;
  private String netNs;
  private String tenantNs;
  private final String node = "node-" + UUID.randomUUID().toString().substring(0, 6);

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvtenant");
    netns = new Netns();
    Files.writeString(dir.resolve("kubeconfig"), KubeApi.withKubevdeCrds().kubeConfigYaml());
    client = KubeApi.withKubevdeCrds().client();
    netNs = KubeApi.newNamespace(client, "net");
    tenantNs = KubeApi.newNamespace(client, "tenant");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (netns != null) netns.close();
    if (client != null) client.close();
    Dirs.deleteTree(dir);
  }

  /**
   * The operator's ConfigMap of {@code <netNs>/blue}, with {@code allowedNamespaces} as given (JSON
   * or null).
   */
  private void configMap(String allowed) {
    String json =
        """
                {"namespace":"%s","name":"blue","uid":"u1","generation":1,"transport":"local","mtu":1400,
                 "nodeSelector":{},%s"ipamType":"host-local","subnet":"192.168.78.0/24",
                 "nodeRanges":{"%s":{"node":"%s","cidr":"192.168.78.64/26"}}}"""
            .formatted(
                netNs, allowed == null ? "" : "\"allowedNamespaces\":" + allowed + ",", node, node);
    client
        .configMaps()
        .inNamespace(netNs)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withNamespace(netNs)
                .withName("vnet." + netNs + ".blue")
                .withLabels(
                    Map.of(
                        "app.kubernetes.io/component",
                        "agent-config",
                        "app.kubernetes.io/managed-by",
                        "kubevde"))
                .endMetadata()
                .withData(Map.of("network.json", json))
                .build())
        .createOr(r -> r.update());
  }

  /**
   * CNI ADD as a runtime calls it; chained calls get the primary's CNI_IFNAME (eth0), kubevde names
   * its own net1.
   */
  private CniPlugin.Outcome cni(Agent agent, String id, String pod, String podNs, String conf) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", "ADD");
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", Netns.path(pod));
    env.put("CNI_IFNAME", conf.contains("prevResult") ? "eth0" : "net1");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put(
        "CNI_ARGS",
        "IgnoreUnknown=1"
            + (podNs == null ? "" : ";K8S_POD_NAMESPACE=" + podNs)
            + ";K8S_POD_NAME=p-"
            + id);
    env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
    return new CniPlugin(p -> new AgentClient(p, 60_000)).run(env, conf);
  }

  private String nad() {
    return "{\"cniVersion\":\"1.0.0\",\"name\":\"blue\",\"type\":\"kubevde\",\"network\":\""
        + netNs
        + "/blue\"}";
  }

  private static Map<String, Object> error(CniPlugin.Outcome o) {
    assertThat(o.exitCode()).as(o.stdout()).isEqualTo(1);
    return Json.parseObject(o.stdout());
  }

  private static boolean hasNet1(String pod) {
    return Sh.exec("ip", "-n", pod, "link", "show", "net1").exitCode() == 0;
  }

  @Test
  void podsOfOtherNamespacesAreRefusedOnBothPathsUntilTheNetworkAdmitsThem() throws Exception {
    AgentConfig cfg =
        AgentConfig.standalone(dir, node).withKubernetes(dir.resolve("kubeconfig"), netNs, 1_000);
    try (Agent agent = new Agent(cfg)) {
      agent.start();
      configMap(null);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> agent.dataPlane().network(netNs + "/blue").isPresent());
      String a = netns.create(), b = netns.create(), c = netns.create();

      // NAD path: a pod of tenantNs names <netNs>/blue
      Map<String, Object> e = error(cni(agent, "ta", a, tenantNs, nad()));
      assertThat(e).containsEntry("code", 104L);
      assertThat(e.get("msg").toString())
          .contains(
              "pod namespace " + tenantNs, "network " + netNs + "/blue", "spec.allowedNamespaces");
      assertThat(hasNet1(a)).isFalse();

      // chained path: the pod's annotation names <netNs>/blue
      client
          .pods()
          .inNamespace(tenantNs)
          .resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withNamespace(tenantNs)
                  .withName("p-tb")
                  .withAnnotations(Map.of(PodNetworks.ANNOTATION, netNs + "/blue"))
                  .endMetadata()
                  .withNewSpec()
                  .addNewContainer()
                  .withName("c")
                  .withImage("busybox")
                  .endContainer()
                  .endSpec()
                  .build())
          .create();
      String chained =
          "{\"cniVersion\":\"1.0.0\",\"name\":\"k8s-pod-network\",\"type\":\"kubevde\",\"prevResult\":"
              + "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\""
              + Netns.path(b)
              + "\"}],\"ips\":[]}}";
      CniPlugin.Outcome rb = cni(agent, "tb", b, tenantNs, chained);
      Map<String, Object> eb = error(rb);
      assertThat(eb).containsEntry("code", 104L);
      assertThat(eb.get("msg").toString())
          .contains("pod namespace " + tenantNs, "network " + netNs + "/blue");
      assertThat(hasNet1(b)).isFalse();

      // no K8S_POD_NAMESPACE at all
      Map<String, Object> ec = error(cni(agent, "tc", c, null, nad()));
      assertThat(ec).containsEntry("code", 104L);
      assertThat(ec.get("msg").toString()).contains("K8S_POD_NAMESPACE", netNs + "/blue");
      assertThat(agent.store().list()).as("no record was made").isEmpty();

      // the network's own namespace is served
      CniPlugin.Outcome own = cni(agent, "to", c, netNs, nad());
      assertThat(own.exitCode()).as(own.stdout()).isZero();
      assertThat(hasNet1(c)).isTrue();

      // the operator's config now admits tenantNs: the same two ADDs succeed
      configMap("[\"" + tenantNs + "\"]");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  agent
                      .dataPlane()
                      .network(netNs + "/blue")
                      .orElseThrow()
                      .config()
                      .allowedNamespaces()
                      .contains(tenantNs));
      CniPlugin.Outcome ok = cni(agent, "ta", a, tenantNs, nad());
      assertThat(ok.exitCode()).as(ok.stdout()).isZero();
      assertThat(hasNet1(a)).isTrue();
      CniPlugin.Outcome okB = cni(agent, "tb", b, tenantNs, chained);
      assertThat(okB.exitCode()).as(okB.stdout()).isZero();
      assertThat(hasNet1(b)).isTrue();
    }
  }
}
