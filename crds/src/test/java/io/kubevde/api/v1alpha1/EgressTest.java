package io.kubevde.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EgressTest {
  @Test
  void egressIsOffUnlessModeIsNatAndThenPodsGetADefaultRouteUnlessTurnedOff() throws Exception {
    ObjectMapper json = new ObjectMapper();
    VdeNetworkSpec none = json.readValue("{}", VdeNetworkSpec.class);
    assertThat(none.egressNat()).isFalse();
    VdeNetworkSpec nat = json.readValue("{\"egress\":{\"mode\":\"nat\"}}", VdeNetworkSpec.class);
    assertThat(nat.egressNat()).isTrue();
    assertThat(nat.egress().effectiveDefaultRoute()).isTrue();
    VdeNetworkSpec routesOnly =
        json.readValue(
            "{\"egress\":{\"mode\":\"nat\",\"defaultRoute\":false}}", VdeNetworkSpec.class);
    assertThat(routesOnly.egress().effectiveDefaultRoute()).isFalse();
    assertThat(json.readValue("{\"egress\":{}}", VdeNetworkSpec.class).egressNat()).isFalse();
  }

  @Test
  void theAgentRunsAGatewayOnlyForAnIpv4HostLocalSubnetWithAGateway() {
    String base =
        """
        {"namespace":"default","name":"out","ipamType":"host-local","subnet":"%s","gateway":%s,
         "egress":%s}""";
    assertThat(read(base.formatted("10.77.0.0/24", "\"10.77.0.1\"", "\"nat\"")).egressNat())
        .isTrue();
    assertThat(read(base.formatted("10.77.0.0/24", "\"10.77.0.1\"", "null")).egressNat())
        .as("no egress")
        .isFalse();
    assertThat(read(base.formatted("10.77.0.0/24", "null", "\"nat\"")).egressNat())
        .as("no gateway")
        .isFalse();
    assertThat(read(base.formatted("fd77::/64", "\"fd77::1\"", "\"nat\"")).egressNat())
        .as("IPv6: no NAT66")
        .isFalse();
    assertThat(read(base.formatted("10.77.0.0/24", "\"10.77.0.1\"", "\"nat64\"")).egressNat())
        .as("a mode this agent does not know runs no gateway")
        .isFalse();
    AgentNetworkConfig nat = read(base.formatted("10.77.0.0/24", "\"10.77.0.1\"", "\"nat\""));
    assertThat(AgentNetworkConfigCodec.read(AgentNetworkConfigCodec.write(nat))).isEqualTo(nat);
  }

  @Test
  void theGeneratedCrdDescribesEgress() throws Exception {
    String crd =
        Files.readString(Path.of("target/classes/META-INF/fabric8/vdenetworks.kubevde.io-v1.yml"));
    assertThat(crd).contains("egress:").contains("defaultRoute:").contains("- \"nat\"");
  }

  private static AgentNetworkConfig read(String text) {
    return AgentNetworkConfigCodec.read(text);
  }
}
