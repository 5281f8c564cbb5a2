package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.ready;
import static io.kubevde.operator.testing.Fixtures.readyReason;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.api.v1alpha1.IpamRoute;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.operator.model.AllocationPolicy;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.testing.KubeApi;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code spec.egress} through a real kube-apiserver: what the agents get in {@code network.json}
 * (egress, the gateway, the default route) and the {@code InvalidEgress} condition for an egress
 * the IPAM cannot carry.
 */
class EgressOperatorTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static KubernetesClient client;
  private static String opNs;
  private static RunningOperator op;
  private String ns;

  @BeforeAll
  static void startOperator() {
    client = KubeApi.withKubevdeCrds().client();
    opNs = KubeApi.newNamespace(client, "kubevde-system");
    op =
        new RunningOperator(
            new OperatorConfig(
                opNs,
                AllocationPolicy.defaults(),
                Duration.ofSeconds(30),
                false,
                "kubevde-operator",
                0));
  }

  @AfterAll
  static void stopOperator() {
    if (op != null) op.close();
    if (client != null) client.close();
  }

  @BeforeEach
  void namespace() {
    ns = KubeApi.newNamespace(client, "egress");
  }

  /** A network from YAML-like JSON, as a user writes it. */
  private void apply(String name, String specJson) throws Exception {
    VdeNetworkSpec spec = JSON.readValue(specJson, VdeNetworkSpec.class);
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, name, spec))
        .createOr(r -> r.update());
  }

  private VdeNetwork get(String name) {
    return client.resources(VdeNetwork.class).inNamespace(ns).withName(name).get();
  }

  private AgentNetworkConfig agentConfig(String name) {
    ConfigMap cm = client.configMaps().inNamespace(opNs).withName(Names.configMap(ns, name)).get();
    return cm == null ? null : AgentNetworkConfigCodec.read(cm.getData().get(Names.CONFIG_KEY));
  }

  @Test
  void aNatNetworkGivesAgentsTheGatewayAndPodsADefaultRouteUnlessTurnedOff() throws Exception {
    apply(
        "out",
        """
        {"transport":"vxvde","ipam":{"subnet":"10.231.0.0/24"},"egress":{"mode":"nat"}}""");
    await().atMost(WAIT).until(() -> ready(get("out")) && agentConfig("out") != null);
    AgentNetworkConfig cfg = agentConfig("out");
    assertThat(cfg.egress()).isEqualTo("nat");
    assertThat(cfg.egressNat()).isTrue();
    assertThat(cfg.gateway())
        .as("default gateway: the subnet's first address")
        .isEqualTo("10.231.0.1");
    assertThat(cfg.routes()).containsExactly(new IpamRoute("0.0.0.0/0", null));

    // defaultRoute false: only the user's routes use the gateway
    apply(
        "out",
        """
        {"transport":"vxvde","ipam":{"subnet":"10.231.0.0/24","gateway":"10.231.0.254",
         "routes":[{"dst":"192.0.2.0/24"}]},"egress":{"mode":"nat","defaultRoute":false}}""");
    await().atMost(WAIT).until(() -> "10.231.0.254".equals(agentConfig("out").gateway()));
    assertThat(agentConfig("out").routes()).containsExactly(new IpamRoute("192.0.2.0/24", null));

    // egress off: the agents remove the gateway
    apply(
        "out",
        """
        {"transport":"vxvde","ipam":{"subnet":"10.231.0.0/24"}}""");
    await().atMost(WAIT).until(() -> agentConfig("out").egress() == null);
    assertThat(agentConfig("out").gateway()).isNull();
    assertThat(agentConfig("out").routes()).isEmpty();
  }

  @Test
  void anEgressTheIpamCannotCarryIsAnInvalidEgressCondition() throws Exception {
    Map<String, String> bad =
        Map.of(
            "l2",
            """
            {"transport":"vxvde","egress":{"mode":"nat"}}""",
            "v6",
            """
            {"transport":"vxvde","ipam":{"subnet":"fd77:1::/64"},"egress":{"mode":"nat"}}""",
            "gw-broadcast",
            """
            {"transport":"vxvde","ipam":{"subnet":"10.232.0.0/24","gateway":"10.232.0.255"},
             "egress":{"mode":"nat"}}""");
    for (var e : bad.entrySet()) apply(e.getKey(), e.getValue());
    for (var e : bad.entrySet()) {
      await().atMost(WAIT).until(() -> "InvalidEgress".equals(readyReason(get(e.getKey()))));
      assertThat(agentConfig(e.getKey())).as("a network in error is not published").isNull();
    }
    assertThat(message("l2")).contains("host-local");
    assertThat(message("v6")).contains("IPv4 only");
    assertThat(message("gw-broadcast")).contains("10.232.0.255").contains("broadcast");

    // fixed: Ready, published with egress
    apply(
        "gw-broadcast",
        """
        {"transport":"vxvde","ipam":{"subnet":"10.232.0.0/24","gateway":"10.232.0.1"},
         "egress":{"mode":"nat"}}""");
    await()
        .atMost(WAIT)
        .until(() -> ready(get("gw-broadcast")) && agentConfig("gw-broadcast") != null);
    assertThat(agentConfig("gw-broadcast").egressNat()).isTrue();
  }

  private String message(String name) {
    return Conditions.find(get(name).getStatus().conditions(), Conditions.READY)
        .orElseThrow()
        .getMessage();
  }
}
