package io.kubevde.agent.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.cni.protocol.CniError;
import org.junit.jupiter.api.Test;

class NamespaceAccessTest {
  private final NamespaceAccess kube = new NamespaceAccess(false);
  private final NamespaceAccess standalone = new NamespaceAccess(true);

  private static AgentNetworkConfig net(String allowed) {
    return AgentNetworkConfigCodec.read(
        "{\"namespace\":\"default\",\"name\":\"blue\""
            + (allowed == null ? "" : ",\"allowedNamespaces\":" + allowed)
            + "}");
  }

  private static CniError refusal(Runnable r) {
    try {
      r.run();
    } catch (CniError.Failure f) {
      return f.error();
    }
    throw new AssertionError("not refused");
  }

  @Test
  void aPodAttachesToNetworksOfItsOwnNamespace() {
    assertThatCode(() -> kube.check("default", "default/blue", net(null)))
        .doesNotThrowAnyException();
    assertThatCode(() -> kube.check("lab", "lab/red", null))
        .as("no ConfigMap yet")
        .doesNotThrowAnyException();
  }

  @Test
  void anotherNamespaceIsRefusedNamingBothNamespacesAndTheNetwork() {
    CniError e = refusal(() -> kube.check("tenant-a", "default/blue", net(null)));
    assertThat(e.code()).isEqualTo(104);
    assertThat(e.msg())
        .isEqualTo(
            "pod namespace tenant-a may not attach to network default/blue "
                + "(spec.allowedNamespaces of default/blue does not list tenant-a)");
    assertThat(refusal(() -> kube.check("tenant-a", "default/blue", null)).code())
        .as("undescribed network")
        .isEqualTo(104);
    assertThat(refusal(() -> kube.check("tenant-a", "default/blue", net("[\"lab\"]"))).code())
        .isEqualTo(104);
  }

  @Test
  void allowedNamespacesAdmitListedNamespacesOrAll() {
    assertThatCode(() -> kube.check("lab", "default/blue", net("[\"lab\"]")))
        .doesNotThrowAnyException();
    assertThatCode(() -> kube.check("anyone", "default/blue", net("[\"*\"]")))
        .doesNotThrowAnyException();
  }

  @Test
  void aMissingPodNamespaceIsRefusedUnlessTheNetworkAdmitsAll() {
    CniError e = refusal(() -> kube.check(null, "default/blue", net("[\"lab\"]")));
    assertThat(e.code()).isEqualTo(104);
    assertThat(e.msg()).contains("K8S_POD_NAMESPACE", "default/blue", "[\"*\"]");
    assertThat(refusal(() -> kube.check("", "default/blue", net(null))).code()).isEqualTo(104);
    assertThatCode(() -> kube.check(null, "default/blue", net("[\"*\"]")))
        .doesNotThrowAnyException();
  }

  @Test
  void aNetworkWithoutNamespaceIsAConfigErrorWithKubernetes() {
    CniError e = refusal(() -> kube.check("default", "blue", null));
    assertThat(e.code()).isEqualTo(7);
    assertThat(e.msg()).contains("'network'", "<namespace>/<name>");
  }

  @Test
  void standaloneAllowsRuntimesWithoutNamespacesButKeepsTheRuleForNamedOnes() {
    assertThatCode(() -> standalone.check(null, "default/blue", null)).doesNotThrowAnyException();
    assertThatCode(() -> standalone.check(null, "blue", null)).doesNotThrowAnyException();
    assertThatThrownBy(() -> standalone.check("tenant-a", "default/blue", null))
        .isInstanceOf(CniError.Failure.class);
  }
}
