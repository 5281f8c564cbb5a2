package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.operator.OperatorConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentDaemonSetTest {
  private final OperatorConfig cfg = OperatorConfig.defaults("kubevde-system").withAgentImage("img:1");

  @Test
  void nodeSelectionIsTheUnionOfTheNetworksSelectors() {
    var ds = AgentDaemonSet.desired(List.of(Map.of("zone", "a"), Map.of("zone", "b", "gpu", "yes"),
        Map.of("zone", "a")), cfg);
    var terms = ds.getSpec().getTemplate().getSpec().getAffinity().getNodeAffinity()
        .getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
    assertThat(terms).hasSize(2);
    assertThat(terms).anySatisfy(t -> assertThat(t.getMatchExpressions()).hasSize(2));
    assertThat(terms).allSatisfy(t -> assertThat(t.getMatchExpressions())
        .allSatisfy(e -> assertThat(e.getOperator()).isEqualTo("In")));
  }

  @Test
  void aNetworkWithoutSelectorPutsTheAgentOnEveryNode() {
    var ds = AgentDaemonSet.desired(List.of(Map.of("zone", "a"), Map.of()), cfg);
    assertThat(ds.getSpec().getTemplate().getSpec().getAffinity()).isNull();
    assertThat(ds.getSpec().getTemplate().getSpec().getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(ds.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("img:1");
  }
}
