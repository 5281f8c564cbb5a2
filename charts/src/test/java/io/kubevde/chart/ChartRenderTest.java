package io.kubevde.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.kubevde.operator.model.AgentDaemonSet;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * helm lint and helm template of charts/kubevde with several values sets; asserts on the parsed
 * objects.
 */
class ChartRenderTest {
  @TempDir Path tmp;

  @Test
  void chartPassesStrictLint() {
    LintResult r = new Helm(Chart.dir()).lint().strict().call();
    assertThat(r.isFailed()).as("lint messages: %s", r.getMessages()).isFalse();
  }

  @Test
  void defaultsRenderOperatorServiceAccountsRbacAndSettings() {
    List<HasMetadata> objs = Chart.objects(Map.of());
    assertThat(Chart.names(objs))
        .containsExactlyInAnyOrder(
            "ServiceAccount/kv-kubevde-operator",
            "ServiceAccount/kv-kubevde-agent",
            "ClusterRole/kv-kubevde-operator",
            "ClusterRoleBinding/kv-kubevde-operator",
            "Role/kv-kubevde-operator",
            "RoleBinding/kv-kubevde-operator",
            "ClusterRole/kv-kubevde-agent",
            "ClusterRoleBinding/kv-kubevde-agent",
            "Role/kv-kubevde-agent",
            "RoleBinding/kv-kubevde-agent",
            "ConfigMap/kv-kubevde-agent-settings",
            "Deployment/kv-kubevde-operator",
            "Service/kv-kubevde-operator-metrics",
            "ValidatingAdmissionPolicy/kv-kubevde-vdelink-schemes",
            "ValidatingAdmissionPolicyBinding/kv-kubevde-vdelink-schemes");
    assertThat(objs)
        .allSatisfy(
            o -> {
              assertThat(o.getMetadata().getLabels())
                  .containsEntry("app.kubernetes.io/part-of", "kubevde")
                  .containsEntry("app.kubernetes.io/managed-by", "Helm")
                  .containsEntry("app.kubernetes.io/instance", "kv")
                  .containsKey("app.kubernetes.io/component")
                  .containsKey("helm.sh/chart");
              if (!(o instanceof ClusterRole)
                  && !(o instanceof ClusterRoleBinding)
                  && !o.getKind().startsWith("ValidatingAdmissionPolicy")) {
                assertThat(o.getMetadata().getNamespace()).isEqualTo("kubevde-system");
              }
            });
    RenderedOperator op = RenderedOperator.of(objs, "kv-kubevde");
    var pod = op.deployment().getSpec().getTemplate().getSpec();
    var c = pod.getContainers().get(0);
    assertThat(c.getImage()).isEqualTo("ghcr.io/kubevde/operator:0.1.0");
    assertThat(op.args())
        .containsEntry("--namespace", "kubevde-system")
        .containsEntry("--agent-image", "ghcr.io/kubevde/agent:0.1.0")
        .containsEntry("--agent-service-account", "kv-kubevde-agent")
        .containsKey("--leader-election")
        .containsEntry("--http-port", "8081")
        .containsEntry("--agent-settings", "/etc/kubevde/agent-settings.json");
    assertThat(pod.getServiceAccountName()).isEqualTo("kv-kubevde-operator");
    // restricted Pod Security profile for the operator
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(c.getVolumeMounts()).anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/tmp"));
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(
            Chart.one(objs, Service.class, "kv-kubevde-operator-metrics").getSpec().getSelector())
        .isEqualTo(op.deployment().getSpec().getSelector().getMatchLabels());
  }

  @Test
  void rbacHasNoWildcardsAndGrantsTheAgentOnlyReadsPlusItsVdeNodeAndLease() {
    List<HasMetadata> objs = Chart.objects(Map.of());
    List<PolicyRule> all = new java.util.ArrayList<>();
    Chart.all(objs, ClusterRole.class).forEach(r -> all.addAll(r.getRules()));
    Chart.all(objs, Role.class).forEach(r -> all.addAll(r.getRules()));
    assertThat(all)
        .allSatisfy(
            r -> {
              assertThat(r.getVerbs()).doesNotContain("*");
              assertThat(r.getResources()).doesNotContain("*");
              assertThat(r.getApiGroups()).doesNotContain("*");
            });
    // secrets (sealed networks' keys) only through the two Roles in the release namespace, never
    // cluster-wide
    Chart.all(objs, ClusterRole.class)
        .forEach(
            r ->
                assertThat(r.getRules())
                    .allSatisfy(rule -> assertThat(rule.getResources()).doesNotContain("secrets")));
    ClusterRole agent = Chart.one(objs, ClusterRole.class, "kv-kubevde-agent");
    for (PolicyRule r : agent.getRules()) {
      if (!r.getResources().contains("vdenodes")
          && !r.getResources().contains("vdenodes/status")
          && !r.getResources().contains("events")) {
        assertThat(r.getVerbs())
            .as("agent rule %s", r.getResources())
            .isSubsetOf("get", "list", "watch");
      }
    }
    Role agentRole = Chart.one(objs, Role.class, "kv-kubevde-agent");
    // in the release namespace: read the agent ConfigMaps and the key Secrets, keep its heartbeat
    // Lease (no delete)
    assertThat(agentRole.getRules()).hasSize(3);
    assertThat(agentRole.getRules().get(0).getResources()).containsExactly("configmaps");
    assertThat(agentRole.getRules().get(0).getVerbs())
        .containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(agentRole.getRules().get(1).getResources()).containsExactly("secrets");
    assertThat(agentRole.getRules().get(1).getVerbs())
        .containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(agentRole.getRules().get(2).getApiGroups()).containsExactly("coordination.k8s.io");
    assertThat(agentRole.getRules().get(2).getResources()).containsExactly("leases");
    assertThat(agentRole.getRules().get(2).getVerbs())
        .containsExactlyInAnyOrder("get", "create", "update");
    // bindings point at the chart's service accounts
    assertThat(Chart.all(objs, ClusterRoleBinding.class))
        .allSatisfy(
            b ->
                assertThat(b.getSubjects())
                    .singleElement()
                    .satisfies(
                        s ->
                            assertThat(s.getName())
                                .isIn("kv-kubevde-operator", "kv-kubevde-agent")));
    assertThat(Chart.all(objs, RoleBinding.class))
        .allSatisfy(
            b ->
                assertThat(b.getSubjects())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getNamespace()).isEqualTo("kubevde-system")));
  }

  @Test
  void defaultAgentIsUnprivilegedWithNetAdminSysAdminAndAllTolerations() throws Exception {
    RenderedOperator op = RenderedOperator.of(Chart.objects(Map.of()), "kv-kubevde");
    DaemonSet ds = AgentDaemonSet.desired(List.of(Map.of()), op.config(tmp).agentDaemonSet());
    var pod = ds.getSpec().getTemplate().getSpec();
    var agent = pod.getContainers().get(0);
    assertThat(pod.getServiceAccountName()).isEqualTo("kv-kubevde-agent");
    assertThat(agent.getImage()).isEqualTo("ghcr.io/kubevde/agent:0.1.0");
    assertThat(agent.getSecurityContext().getPrivileged()).isFalse();
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW", "SYS_ADMIN");
    assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(agent.getSecurityContext().getAppArmorProfile().getType())
        .as("no ip -n mount any more: the runtime's default AppArmor profile suffices")
        .isEqualTo("RuntimeDefault");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.getOperator()).isEqualTo("Exists");
              assertThat(t.getKey()).isNull();
            });
    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(agent.getResources().getLimits().get("memory").toString()).isEqualTo("512Mi");
    assertThat(agent.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("KUBEVDE_MULTUS");
              assertThat(e.getValue()).isEqualTo("true");
            });
    assertThat(agent.getEnv())
        .noneSatisfy(e -> assertThat(e.getName()).isEqualTo("KUBEVDE_DEFAULT_MTU"));
    // the agent enforces the chart's VdeLink policy too
    assertThat(agent.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains("KUBEVDE_LINK_TENANT_SCHEMES=vdenetwork,vxvde,udp,vxlan,seal");
    assertThat(agent.getEnv())
        .noneSatisfy(e -> assertThat(e.getName()).isEqualTo("KUBEVDE_LINK_SYSTEM_NAMESPACES"));
  }

  @Test
  void customValuesReachTheAgentDaemonSetThroughTheOperator() throws Exception {
    List<HasMetadata> objs =
        Chart.objects(
            Map.ofEntries(
                Map.entry("fullnameOverride", "vde"),
                Map.entry("agent.privileged", "true"),
                Map.entry("agent.cni.binDir", "/home/kubernetes/bin"),
                Map.entry("agent.cni.confDir", "/etc/cni/multus/net.d"),
                Map.entry("agent.mtu", "1400"),
                Map.entry("multus.enabled", "false"),
                Map.entry("agent.image.repository", "registry.local/kubevde/agent"),
                Map.entry("agent.image.tag", "dev"),
                Map.entry("agent.image.pullPolicy", "Never"),
                Map.entry("agent.tolerations[0].key", "dedicated"),
                Map.entry("agent.tolerations[0].operator", "Equal"),
                Map.entry("agent.tolerations[0].value", "net"),
                Map.entry("agent.tolerations[0].effect", "NoSchedule"),
                Map.entry("agent.resources.limits.memory", "1Gi"),
                Map.entry("agent.nodeSelector.kubevde\\.io/agent", "yes"),
                Map.entry("agent.logLevel", "debug"),
                Map.entry("linkPolicy.systemNamespaces[0]", "infra"),
                Map.entry("operator.leaderElection.enabled", "false"),
                Map.entry("operator.metrics.service", "false"),
                Map.entry("operator.extraEnv[0].name", "KUBERNETES_SERVICE_HOST"),
                Map.entry("operator.extraEnv[0].value", "10.79.0.1")));
    RenderedOperator op = RenderedOperator.of(objs, "vde");
    assertThat(op.args())
        .containsKey("--no-leader-election")
        .doesNotContainKey("--leader-election")
        .containsEntry("--agent-image", "registry.local/kubevde/agent:dev")
        .containsEntry("--agent-image-pull-policy", "Never");
    assertThat(Chart.all(objs, Service.class)).isEmpty();
    assertThat(
            op.deployment().getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains("KUBERNETES_SERVICE_HOST=10.79.0.1");
    // Multus off: the operator may not touch NADs
    assertThat(Chart.one(objs, ClusterRole.class, "vde-operator").getRules())
        .noneSatisfy(r -> assertThat(r.getApiGroups()).contains("k8s.cni.cncf.io"));
    var pod =
        AgentDaemonSet.desired(List.of(Map.of()), op.config(tmp).agentDaemonSet())
            .getSpec()
            .getTemplate()
            .getSpec();
    var agent = pod.getContainers().get(0);
    assertThat(agent.getSecurityContext().getPrivileged()).isTrue();
    assertThat(agent.getSecurityContext().getCapabilities()).isNull();
    assertThat(agent.getImage()).isEqualTo("registry.local/kubevde/agent:dev");
    assertThat(agent.getImagePullPolicy()).isEqualTo("Never");
    assertThat(pod.getVolumes())
        .anySatisfy(
            v -> {
              assertThat(v.getName()).isEqualTo("cni-bin");
              assertThat(v.getHostPath().getPath()).isEqualTo("/home/kubernetes/bin");
            });
    assertThat(pod.getVolumes())
        .anySatisfy(v -> assertThat(v.getHostPath().getPath()).isEqualTo("/etc/cni/multus/net.d"));
    assertThat(agent.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains(
            "KUBEVDE_DEFAULT_MTU=1400",
            "KUBEVDE_MULTUS=false",
            "KUBEVDE_LOG_LEVEL=debug",
            "KUBEVDE_LINK_SYSTEM_NAMESPACES=infra",
            "KUBEVDE_CNI_BIN_DIR=/home/kubernetes/bin");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getValue()).isEqualTo("net"));
    assertThat(pod.getNodeSelector())
        .containsEntry("kubevde.io/agent", "yes")
        .containsEntry("kubernetes.io/os", "linux");
    assertThat(agent.getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
  }

  @Test
  void existingServiceAccountsAndNoRbac() {
    List<HasMetadata> objs =
        Chart.objects(
            Map.of(
                "rbac.create",
                "false",
                "operator.serviceAccount.create",
                "false",
                "operator.serviceAccount.name",
                "ops",
                "agent.serviceAccount.create",
                "false",
                "agent.serviceAccount.name",
                "agents"));
    assertThat(Chart.all(objs, ServiceAccount.class)).isEmpty();
    assertThat(Chart.all(objs, ClusterRole.class)).isEmpty();
    assertThat(Chart.all(objs, Role.class)).isEmpty();
    RenderedOperator op = RenderedOperator.of(objs, "kv-kubevde");
    assertThat(op.deployment().getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo("ops");
    assertThat(op.args()).containsEntry("--agent-service-account", "agents");
  }

  @Test
  void changingAnAgentSettingRestartsTheOperator() {
    String a =
        RenderedOperator.of(Chart.objects(Map.of()), "kv-kubevde")
            .deployment()
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get("checksum/agent-settings");
    String b =
        RenderedOperator.of(Chart.objects(Map.of("agent.mtu", "1400")), "kv-kubevde")
            .deployment()
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations()
            .get("checksum/agent-settings");
    assertThat(a).isNotBlank().isNotEqualTo(b);
  }

  @Test
  void schemaRejectsBadValuesNamingTheKey() {
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("agent.mtu", "100")))
        .hasMessageContaining("mtu");
    assertThatThrownBy(
            () -> Chart.render("kv", "ns", Map.of("agent.image.pullPolicy", "Sometimes")))
        .hasMessageContaining("pullPolicy");
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("agent.cniBinDir", "/opt/cni/bin")))
        .hasMessageContaining("cniBinDir");
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("agent.cni.binDir", "relative/bin")))
        .hasMessageContaining("binDir");
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("operator.groupPool", "10.0.0.0/8")))
        .hasMessageContaining("groupPool");
  }
}
