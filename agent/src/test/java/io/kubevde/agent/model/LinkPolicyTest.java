package io.kubevde.agent.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LinkPolicyTest {
  private final LinkPolicy policy = LinkPolicy.of(null, "infra, lab-admin", "kubevde-system");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "udp://10.0.0.1:14789/10.0.0.2:14789",
        "vxvde://239.1.2.3/port=14789",
        "VXLAN://10.0.0.2",
        "seal://key{udp://10.0.0.1:1/10.0.0.2:1}",
        "vdenetwork://tenant-a/red",
        "seal://k{seal://j{vxvde://239.0.0.1}}"
      })
  void tenantSchemesAtEveryLevelAreAllowed(String vnl) {
    assertThat(policy.refusal("tenant-a", vnl)).isNull();
  }

  @Test
  void otherSchemesAtAnyLevelAreRefusedNamingTheSchemeAndThePolicy() {
    assertThat(policy.refusal("tenant-a", "cmd://ssh lab vde_plug vde:///tmp/sw"))
        .contains(
            "cmd://",
            "tenant-a",
            "vdenetwork, vxvde, udp, vxlan, seal",
            "linkPolicy.tenantSchemes");
    assertThat(policy.refusal("tenant-a", "tap://kvtap0")).contains("tap://");
    assertThat(policy.refusal("tenant-a", "vde:///run/kubevde/net/other/blue")).contains("vde://");
    assertThat(policy.refusal("tenant-a", "/tmp/sw")).contains("without scheme");
    assertThat(policy.refusal("tenant-a", "seal://key{cmd://nc host 1}")).contains("cmd://");
    assertThat(policy.refusal("tenant-a", "seal://k{seal://j{tap://x}}")).contains("tap://");
  }

  @Test
  void aTenantLinksOnlyNetworksOfItsOwnNamespace() {
    assertThat(policy.refusal("tenant-a", "vdenetwork://tenant-b/red"))
        .contains("tenant-b", "tenant-a");
    assertThat(policy.refusal("tenant-a", "vdenetwork://tenant-a/red")).isNull();
  }

  @Test
  void systemNamespacesMayUseEverySchemeAndEveryNetwork() {
    for (String ns : new String[] {"kubevde-system", "infra", "lab-admin"}) {
      assertThat(policy.refusal(ns, "cmd://ssh lab vde_plug vde:///tmp/sw")).isNull();
      assertThat(policy.refusal(ns, "tap://kvtap0")).isNull();
      assertThat(policy.refusal(ns, "vdenetwork://tenant-b/red")).isNull();
    }
  }

  @Test
  void configuredSchemesReplaceTheDefaultAndStarTurnsTheSchemeRuleOff() {
    LinkPolicy onlyUdp = LinkPolicy.of("udp", null, "kubevde-system");
    assertThat(onlyUdp.refusal("t", "udp://1.2.3.4:1/5.6.7.8:1")).isNull();
    assertThat(onlyUdp.refusal("t", "vxvde://239.0.0.1")).contains("vxvde://");
    LinkPolicy open = LinkPolicy.of("*", null, "kubevde-system");
    assertThat(open.refusal("t", "cmd://anything")).isNull();
    assertThat(open.refusal("t", "vdenetwork://other/red"))
        .as("the namespace rule stays")
        .isNotNull();
  }
}
