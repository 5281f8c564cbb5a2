package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.ready;
import static io.kubevde.operator.testing.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.testing.KubeApi;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * API writes per minute at steady state, 10 networks × 3 nodes, read from the API server's own
 * {@code apiserver_request_total} (verbs POST, PUT, PATCH, APPLY, DELETE; all clients). Three
 * simulated agents beat every 10 s the way the agent does: renew their Lease and leave their
 * unchanged VdeNode alone. With {@code -Dkubevde.writes.legacyAgents=true} they instead rewrite the
 * VdeNode status with a new lastHeartbeat every beat (the agent before Leases), which is how the
 * "before" number in operator/README.md was taken (with the operator of that time).
 */
class SteadyStateWritesTest {
  private static final Pattern LINE =
      Pattern.compile("^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$", Pattern.MULTILINE);
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");
  private static final List<String> WRITES = List.of("POST", "PUT", "PATCH", "APPLY", "DELETE");

  @Test
  void tenNetworksOnThreeNodesCostAboutOneWritePerAgentBeat() throws Exception {
    boolean legacy = Boolean.getBoolean("kubevde.writes.legacyAgents");
    try (KubernetesClient client = KubeApi.withKubevdeCrds().client()) {
      KubeApi.applyCrd(client, "/multus-nad-crd.yaml");
      String opNs = KubeApi.newNamespace(client, "kubevde-system");
      String ns = KubeApi.newNamespace(client, "writes");
      OperatorConfig cfg =
          new OperatorConfig(
              opNs,
              io.kubevde.operator.model.AllocationPolicy.defaults(),
              Duration.ofSeconds(60),
              false,
              "kubevde-operator",
              0);
      ScheduledExecutorService agents = Executors.newScheduledThreadPool(3);
      try (RunningOperator op = new RunningOperator(cfg)) {
        List<NodeNetwork> nets = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          String name = "w" + i;
          client
              .resources(VdeNetwork.class)
              .inNamespace(ns)
              .resource(VdeNetwork.of(ns, name, spec(null, null, null)))
              .create();
          nets.add(new NodeNetwork(ns, name, true, 1, 2));
        }
        for (int i = 0; i < 10; i++) {
          String name = "w" + i;
          await()
              .atMost(Duration.ofSeconds(120))
              .until(
                  () ->
                      ready(
                          client.resources(VdeNetwork.class).inNamespace(ns).withName(name).get()));
        }
        for (int k = 1; k <= 3; k++) {
          String node = ns + "-n" + k;
          VdeNode v = new VdeNode();
          v.setMetadata(
              new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(node).build());
          v.setSpec(new VdeNodeSpec("10.0.0." + k, "0.1.0"));
          VdeNode created = client.resources(VdeNode.class).resource(v).create();
          created.setStatus(new VdeNodeStatus(nets, 10, null, null, 20, Instant.now().toString()));
          client.resources(VdeNode.class).resource(created).updateStatus();
          agents.scheduleWithFixedDelay(
              () -> beat(client, opNs, node, nets, legacy), 0, 10, TimeUnit.SECONDS);
        }
        for (int i = 0; i < 10; i++) {
          String name = "w" + i;
          await()
              .atMost(Duration.ofSeconds(120))
              .until(
                  () ->
                      Integer.valueOf(3)
                          .equals(
                              client
                                  .resources(VdeNetwork.class)
                                  .inNamespace(ns)
                                  .withName(name)
                                  .get()
                                  .getStatus()
                                  .nodesReady()));
        }
        Thread.sleep(15_000); // settle: the first reconciles after the reports
        Map<String, Double> before = writes(client);
        Thread.sleep(60_000);
        Map<String, Double> after = writes(client);
        Map<String, Double> delta = new TreeMap<>();
        after.forEach(
            (k, v) -> {
              double d = v - before.getOrDefault(k, 0.0);
              if (d > 0) delta.put(k, d);
            });
        double total = delta.values().stream().mapToDouble(Double::doubleValue).sum();
        System.out.println(
            "RESULT api_writes_per_minute="
                + (long) total
                + " legacy_agents="
                + legacy
                + " by_resource="
                + delta);
        if (!legacy) {
          // 3 agent Lease renewals per 10 s = 18 (+6 of the API server's own identity Lease);
          // nothing else is written
          assertThat(total).as("writes per minute: %s", delta).isLessThanOrEqualTo(30);
          assertThat(
                  delta.getOrDefault("vdenetworks/status PATCH", 0.0)
                      + delta.getOrDefault("vdenetworks/status APPLY", 0.0))
              .as("status writes: %s", delta)
              .isZero();
        }
      } finally {
        agents.shutdownNow();
      }
    }
  }

  private static void beat(
      KubernetesClient client, String opNs, String node, List<NodeNetwork> nets, boolean legacy) {
    try {
      if (legacy) {
        VdeNode cur = client.resources(VdeNode.class).withName(node).get();
        cur.setStatus(new VdeNodeStatus(nets, 10, null, null, 20, Instant.now().toString()));
        client.resources(VdeNode.class).resource(cur).updateStatus();
        return;
      }
      String name = "kubevde-node-" + node;
      Lease cur = client.leases().inNamespace(opNs).withName(name).get();
      ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
      if (cur == null) {
        client
            .leases()
            .inNamespace(opNs)
            .resource(
                new LeaseBuilder()
                    .withNewMetadata()
                    .withName(name)
                    .addToLabels("app.kubernetes.io/managed-by", "kubevde-agent")
                    .endMetadata()
                    .withNewSpec()
                    .withHolderIdentity(node)
                    .withLeaseDurationSeconds(40)
                    .withRenewTime(now)
                    .endSpec()
                    .build())
            .create();
      } else {
        cur.getSpec().setRenewTime(now);
        client.leases().inNamespace(opNs).resource(cur).update();
      }
    } catch (RuntimeException e) {
      System.err.println("beat " + node + ": " + e);
    }
  }

  /**
   * @return write requests so far by "resource[/subresource] VERB", from the API server's /metrics
   */
  private static Map<String, Double> writes(KubernetesClient client) throws Exception {
    var http = client.getHttpClient();
    String url = client.getMasterUrl().toString().replaceAll("/$", "") + "/metrics";
    String body =
        http.sendAsync(http.newHttpRequestBuilder().uri(url).build(), String.class)
            .get(30, TimeUnit.SECONDS)
            .body();
    Map<String, Double> out = new TreeMap<>();
    Matcher m = LINE.matcher(body);
    while (m.find()) {
      Map<String, String> labels = new TreeMap<>();
      Matcher l = LABEL.matcher(m.group(1));
      while (l.find()) labels.put(l.group(1), l.group(2));
      String verb = labels.getOrDefault("verb", "");
      if (!WRITES.contains(verb)) continue;
      String sub = labels.getOrDefault("subresource", "");
      String key =
          labels.getOrDefault("resource", "") + (sub.isEmpty() ? "" : "/" + sub) + " " + verb;
      out.merge(key, Double.parseDouble(m.group(2)), Double::sum);
    }
    return out;
  }
}
