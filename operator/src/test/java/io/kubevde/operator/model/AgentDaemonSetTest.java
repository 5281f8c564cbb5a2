package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentDaemonSetTest {
  private final AgentDaemonSet.Config cfg =
      new AgentDaemonSet.Config("kubevde-system", "img:1", "IfNotPresent", "kubevde-agent", null);

  @Test
  void nodeSelectionIsTheUnionOfTheNetworksSelectors() {
    var ds =
        AgentDaemonSet.desired(
            List.of(Map.of("zone", "a"), Map.of("zone", "b", "gpu", "yes"), Map.of("zone", "a")),
            cfg);
    var terms =
        ds.getSpec()
            .getTemplate()
            .getSpec()
            .getAffinity()
            .getNodeAffinity()
            .getRequiredDuringSchedulingIgnoredDuringExecution()
            .getNodeSelectorTerms();
    assertThat(terms).hasSize(2);
    assertThat(terms).anySatisfy(t -> assertThat(t.getMatchExpressions()).hasSize(2));
    assertThat(terms)
        .allSatisfy(
            t ->
                assertThat(t.getMatchExpressions())
                    .allSatisfy(e -> assertThat(e.getOperator()).isEqualTo("In")));
  }

  @Test
  void aNetworkWithoutSelectorPutsTheAgentOnEveryNode() {
    var ds = AgentDaemonSet.desired(List.of(Map.of("zone", "a"), Map.of()), cfg);
    assertThat(ds.getSpec().getTemplate().getSpec().getAffinity()).isNull();
    assertThat(ds.getSpec().getTemplate().getSpec().getNodeSelector())
        .containsEntry("kubernetes.io/os", "linux");
    assertThat(ds.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("img:1");
  }

  @Test
  void siteSettingsFromAFileShapeTheAgentPods(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("agent-settings.yaml");
    java.nio.file.Files.writeString(
        f,
        """
        cniBinDir: /home/kubernetes/bin
        cniConfDir: /etc/cni/multus.d
        mtu: 1400
        multus: false
        resources: {requests: {cpu: 50m, memory: 96Mi}, limits: {memory: 256Mi}}
        tolerations: [{key: dedicated, operator: Equal, value: net, effect: NoSchedule}]
        nodeSelector: {kubevde.io/agent: "true"}
        securityContext: {privileged: false, capabilities: {add: [NET_ADMIN, NET_RAW, SYS_ADMIN]}}
        imagePullSecrets: [{name: regcred}]
        linkTenantSchemes: [vxvde, udp]
        linkSystemNamespaces: [infra, lab]
        """);
    AgentSettings s = AgentSettings.read(f);
    assertThat(s.multusEnabled()).isFalse();
    var pod =
        AgentDaemonSet.desired(
                List.of(Map.of()),
                new AgentDaemonSet.Config(
                    cfg.namespace(),
                    cfg.agentImage(),
                    cfg.agentImagePullPolicy(),
                    cfg.agentServiceAccount(),
                    s))
            .getSpec()
            .getTemplate()
            .getSpec();
    var agent = pod.getContainers().get(0);
    assertThat(pod.getVolumes())
        .anySatisfy(
            v -> {
              assertThat(v.getName()).isEqualTo("cni-bin");
              assertThat(v.getHostPath().getPath()).isEqualTo("/home/kubernetes/bin");
            });
    assertThat(pod.getVolumes())
        .anySatisfy(v -> assertThat(v.getHostPath().getPath()).isEqualTo("/etc/cni/multus.d"));
    assertThat(agent.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("KUBEVDE_DEFAULT_MTU");
              assertThat(e.getValue()).isEqualTo("1400");
            });
    assertThat(agent.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains(
            "KUBEVDE_LINK_TENANT_SCHEMES=vxvde,udp", "KUBEVDE_LINK_SYSTEM_NAMESPACES=infra,lab");
    assertThat(agent.getResources().getLimits().get("memory").toString()).isEqualTo("256Mi");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getKey()).isEqualTo("dedicated"));
    assertThat(pod.getNodeSelector())
        .containsEntry("kubevde.io/agent", "true")
        .containsEntry("kubernetes.io/os", "linux");
    assertThat(agent.getSecurityContext().getPrivileged()).isFalse();
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .contains("NET_ADMIN", "SYS_ADMIN");
    assertThat(pod.getImagePullSecrets())
        .singleElement()
        .satisfies(r -> assertThat(r.getName()).isEqualTo("regcred"));
  }

  @Test
  void anUnknownSettingIsRejectedNamingTheKey(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("bad.json");
    java.nio.file.Files.writeString(f, "{\"cniBinDri\": \"/x\"}");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AgentSettings.read(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cniBinDri");
  }

  @Test
  void underlayCidrsAreReadAndABadOneIsRejected(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path f = dir.resolve("s.yaml");
    java.nio.file.Files.writeString(f, "underlayCidrs: [10.78.0.0/16, fd78::/64]\n");
    assertThat(AgentSettings.read(f).effectiveUnderlayCidrs())
        .containsExactly("10.78.0.0/16", "fd78::/64");
    assertThat(AgentSettings.defaults().effectiveUnderlayCidrs()).isEmpty();
    java.nio.file.Files.writeString(f, "underlayCidrs: [10.78.0.0/16, nodes]\n");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> AgentSettings.read(f))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nodes");
  }
}
