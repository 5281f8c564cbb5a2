package io.kubevde.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
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
  void defaultsRenderOperatorAgentServiceAccountsRbacAndTheUninstallHook() {
    List<HasMetadata> objs = Chart.objectsWithHooks(Map.of());
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
            "DaemonSet/kv-kubevde-agent",
            "Deployment/kv-kubevde-operator",
            "Service/kv-kubevde-operator-metrics",
            "ValidatingAdmissionPolicy/kv-kubevde-vdelink-schemes",
            "ValidatingAdmissionPolicyBinding/kv-kubevde-vdelink-schemes",
            // the uninstall hook
            "ServiceAccount/kv-kubevde-cleanup",
            "ClusterRole/kv-kubevde-cleanup",
            "ClusterRoleBinding/kv-kubevde-cleanup",
            "Role/kv-kubevde-cleanup",
            "RoleBinding/kv-kubevde-cleanup",
            "Job/kv-kubevde-cleanup");
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
        .containsKey("--leader-election")
        .containsKey("--multus")
        .containsEntry("--http-port", "8081")
        .doesNotContainKeys("--agent-image", "--agent-settings", "--agent-service-account");
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
    List<HasMetadata> objs = Chart.objectsWithHooks(Map.of());
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
    // static addresses: create (= reserve), read, delete its reservations; never update another's
    assertThat(agent.getRules())
        .filteredOn(r -> r.getResources().contains("vdeaddressreservations"))
        .singleElement()
        .satisfies(
            r -> {
              assertThat(r.getApiGroups()).containsExactly("kubevde.io");
              assertThat(r.getResources()).containsExactly("vdeaddressreservations");
              assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "list", "create", "delete");
            });
    for (PolicyRule r : agent.getRules()) {
      if (r.getResources().contains("vdeaddressreservations")) continue;
      if (r.getResources().contains("pods")) {
        // network-status of chained pods: patch, never create/update/delete
        assertThat(r.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch", "patch");
      } else if (!r.getResources().contains("vdenodes")
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
                                .isIn(
                                    "kv-kubevde-operator",
                                    "kv-kubevde-agent",
                                    "kv-kubevde-cleanup")));
    assertThat(Chart.all(objs, RoleBinding.class))
        .allSatisfy(
            b ->
                assertThat(b.getSubjects())
                    .singleElement()
                    .satisfies(s -> assertThat(s.getNamespace()).isEqualTo("kubevde-system")));
  }

  @Test
  void defaultAgentIsUnprivilegedWithNetAdminSysAdminAndAllTolerations() throws Exception {
    List<HasMetadata> objs = Chart.objects(Map.of());
    DaemonSet ds = Chart.one(objs, DaemonSet.class, "kv-kubevde-agent");
    var pod = ds.getSpec().getTemplate().getSpec();
    var agent = pod.getContainers().get(0);
    assertThat(pod.getServiceAccountName()).isEqualTo("kv-kubevde-agent");
    assertThat(agent.getImage()).isEqualTo("ghcr.io/kubevde/agent:0.1.0");
    assertThat(agent.getSecurityContext().getPrivileged()).isFalse();
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .containsExactlyInAnyOrder("NET_ADMIN", "NET_RAW", "SYS_ADMIN");
    assertThat(agent.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(agent.getSecurityContext().getAppArmorProfile())
        .as(
            "no ip -n mount any more: the runtime's default AppArmor profile suffices; the field is"
                + " left out (an explicit RuntimeDefault is refused by kubelets without AppArmor)")
        .isNull();
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
    assertThat(agent.getEnv())
        .noneSatisfy(e -> assertThat(e.getName()).isEqualTo("KUBEVDE_EGRESS_DENY_CIDRS"));
    // bounded JVM memory (agent/README.md "Memory")
    assertThat(agent.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("JAVA_TOOL_OPTIONS");
              assertThat(e.getValue()).contains("-XX:+UseSerialGC", "-Xmx64m", "-Xss256k");
            });
  }

  @Test
  void customValuesReachTheAgentDaemonSet() throws Exception {
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
                Map.entry("agent.egress.denyCidrs[0]", "10.244.0.0/16"),
                Map.entry("agent.egress.denyCidrs[1]", "10.96.0.0/12"),
                Map.entry("underlay.cidrs[0]", "10.78.0.0/16"),
                Map.entry("operator.leaderElection.enabled", "false"),
                Map.entry("operator.metrics.service", "false"),
                Map.entry("operator.extraEnv[0].name", "KUBERNETES_SERVICE_HOST"),
                Map.entry("operator.extraEnv[0].value", "10.79.0.1")));
    RenderedOperator op = RenderedOperator.of(objs, "vde");
    assertThat(op.args())
        .containsKey("--no-leader-election")
        .doesNotContainKey("--leader-election")
        .containsKey("--no-multus");
    assertThat(op.config().multus()).isFalse();
    assertThat(Chart.all(objs, Service.class)).isEmpty();
    assertThat(
            op.deployment().getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains("KUBERNETES_SERVICE_HOST=10.79.0.1");
    // Multus off: the operator may not touch NADs
    assertThat(Chart.one(objs, ClusterRole.class, "vde-operator").getRules())
        .noneSatisfy(r -> assertThat(r.getApiGroups()).contains("k8s.cni.cncf.io"));
    var pod = Chart.one(objs, DaemonSet.class, "vde-agent").getSpec().getTemplate().getSpec();
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
            "KUBEVDE_EGRESS_DENY_CIDRS=10.244.0.0/16,10.96.0.0/12",
            "KUBEVDE_CNI_BIN_DIR=/home/kubernetes/bin");
    assertThat(pod.getTolerations())
        .singleElement()
        .satisfies(t -> assertThat(t.getValue()).isEqualTo("net"));
    assertThat(pod.getNodeSelector())
        .containsEntry("kubevde.io/agent", "yes")
        .containsEntry("kubernetes.io/os", "linux");
    assertThat(agent.getResources().getLimits().get("memory").toString()).isEqualTo("1Gi");
    assertThat(op.config().underlayCidrs())
        .as("underlay.cidrs reach the operator (multicast senders)")
        .containsExactly("10.78.0.0/16");
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
    assertThat(
            Chart.one(objs, DaemonSet.class, "kv-kubevde-agent")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getServiceAccountName())
        .isEqualTo("agents");
  }

  @Test
  void agentDaemonSetIsRenderedWithHostNetworkMountsPortsAndProbes() {
    List<HasMetadata> objs = Chart.objects(Map.of());
    DaemonSet ds = Chart.one(objs, DaemonSet.class, "kv-kubevde-agent");
    assertThat(ds.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(ds.getSpec().getSelector().getMatchLabels());
    assertThat(ds.getSpec().getSelector().getMatchLabels())
        .containsEntry("app.kubernetes.io/component", "agent")
        .containsEntry("app.kubernetes.io/instance", "kv");
    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
    // hitless upgrades: the new agent pod starts beside the old one and takes its data plane over
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxUnavailable().getIntVal())
        .isZero();
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate().getMaxSurge().getIntVal())
        .isEqualTo(1);
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getDnsPolicy()).isEqualTo("ClusterFirstWithHostNet");
    assertThat(pod.getNodeSelector()).containsExactly(Map.entry("kubernetes.io/os", "linux"));
    assertThat(pod.getAffinity()).as("no per-network node affinity").isNull();
    var agent = pod.getContainers().getFirst();
    assertThat(agent.getArgs())
        .containsExactly(
            "--config-namespace=kubevde-system",
            "--health-port=9465",
            "--metrics-port=9464",
            "--after-handover=wait",
            "--ready-file=/run/kubevde-pod/ready",
            "--storm-pps=1000",
            "--uplink-storm-pps=20000",
            "--police-pps=0",
            "--police-bps=0",
            "--burst-ms=200");
    // no container ports: with hostNetwork they are host ports, and the scheduler would keep the
    // surge pod of a rolling update off a node whose old agent pod holds them
    assertThat(agent.getPorts()).isEmpty();
    assertThat(pod.getContainers()).allSatisfy(c -> assertThat(c.getPorts()).isNullOrEmpty());
    assertThat(pod.getInitContainers()).allSatisfy(c -> assertThat(c.getPorts()).isNullOrEmpty());
    assertThat(agent.getLivenessProbe().getHttpGet().getPort().getIntVal()).isEqualTo(9465);
    assertThat(agent.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    // readiness: this container's agent (its ready file, in a volume of this pod only), not the
    // agent that holds the host port (the old one, until the hand-over)
    assertThat(agent.getReadinessProbe().getHttpGet()).isNull();
    assertThat(agent.getReadinessProbe().getExec().getCommand())
        .containsExactly("/bin/cat", "/run/kubevde-pod/ready");
    assertThat(volumeMountedAt(pod, agent, "/run/kubevde-pod").getEmptyDir()).isNotNull();
    // the hand-over socket is in the run dir both pods mount from the host
    assertThat(volumeMountedAt(pod, agent, "/run/kubevde").getHostPath().getPath())
        .isEqualTo("/run/kubevde");
    assertThat(agent.getEnv())
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("NODE_NAME");
              assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");
            })
        .anySatisfy(
            e -> {
              assertThat(e.getName()).isEqualTo("NODE_IP");
              assertThat(e.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.hostIP");
            });
    assertThat(agent.getVolumeMounts())
        .extracting(m -> m.getMountPath())
        .contains(
            "/opt/cni/bin", "/run/kubevde", "/var/lib/kubevde", "/var/run/netns", "/dev/net/tun");
    assertThat(agent.getVolumeMounts())
        .filteredOn(m -> m.getMountPath().equals("/var/run/netns"))
        .singleElement()
        .satisfies(m -> assertThat(m.getMountPropagation()).isEqualTo("HostToContainer"));
    assertThat(pod.getVolumes())
        .filteredOn(v -> !v.getName().equals("pod-run"))
        .allSatisfy(v -> assertThat(v.getHostPath()).isNotNull());
    assertThat(pod.getInitContainers())
        .singleElement()
        .satisfies(
            ic -> {
              assertThat(ic.getCommand())
                  .containsExactly("/opt/kubevde/bin/install-cni", "/host/opt/cni/bin");
              assertThat(ic.getResources().getLimits()).containsKey("memory");
            });
    // Service and ServiceMonitors only when asked for
    assertThat(Chart.names(objs))
        .doesNotContain("Service/kv-kubevde-agent-metrics")
        .noneMatch(n -> n.startsWith("ServiceMonitor/"));
  }

  @Test
  void agentPortsUpdateStrategyServiceAndServiceMonitorFromValues() {
    List<HasMetadata> objs =
        Chart.objects(
            Map.ofEntries(
                Map.entry("agent.ports.health", "19465"),
                Map.entry("agent.ports.metrics", "19464"),
                Map.entry("agent.updateStrategy.type", "OnDelete"),
                Map.entry("agent.terminationGracePeriodSeconds", "5"),
                Map.entry("agent.podLabels.team", "net"),
                Map.entry("agent.extraEnv[0].name", "HTTPS_PROXY"),
                Map.entry("agent.extraEnv[0].value", "http://proxy:3128"),
                Map.entry("agent.serviceMonitor.enabled", "true"),
                Map.entry("agent.serviceMonitor.labels.release", "prom"),
                Map.entry("agent.portLimits.stormPps", "500"),
                Map.entry("agent.portLimits.policeBps", "125000000"),
                Map.entry("operator.metrics.serviceMonitor.enabled", "true")));
    DaemonSet ds = Chart.one(objs, DaemonSet.class, "kv-kubevde-agent");
    assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("OnDelete");
    assertThat(ds.getSpec().getUpdateStrategy().getRollingUpdate()).isNull();
    var pod = ds.getSpec().getTemplate().getSpec();
    assertThat(pod.getTerminationGracePeriodSeconds()).isEqualTo(5L);
    assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("team", "net");
    var agent = pod.getContainers().getFirst();
    assertThat(agent.getArgs())
        .contains(
            "--health-port=19465",
            "--metrics-port=19464",
            "--storm-pps=500",
            "--police-bps=125000000",
            "--uplink-storm-pps=20000");
    assertThat(agent.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .contains("HTTPS_PROXY=http://proxy:3128");
    Service svc = Chart.one(objs, Service.class, "kv-kubevde-agent-metrics");
    assertThat(svc.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(svc.getSpec().getSelector()).isEqualTo(ds.getSpec().getSelector().getMatchLabels());
    assertThat(svc.getSpec().getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("metrics");
              assertThat(p.getPort()).isEqualTo(19464);
              assertThat(p.getTargetPort().getIntVal()).isEqualTo(19464);
            });
    GenericKubernetesResource sm =
        Chart.one(objs, GenericKubernetesResource.class, "kv-kubevde-agent");
    assertThat(sm.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(sm.getKind()).isEqualTo("ServiceMonitor");
    assertThat(sm.getMetadata().getLabels()).containsEntry("release", "prom");
    assertThat(sm.<Map<String, String>>get("spec", "selector", "matchLabels"))
        .isEqualTo(
            svc.getMetadata().getLabels().entrySet().stream()
                .filter(e -> svc.getSpec().getSelector().containsKey(e.getKey()))
                .collect(
                    java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    assertThat(sm.<String>get("spec", "endpoints", 0, "port")).isEqualTo("metrics");
    GenericKubernetesResource opSm =
        Chart.one(objs, GenericKubernetesResource.class, "kv-kubevde-operator");
    assertThat(opSm.<String>get("spec", "endpoints", 0, "port")).isEqualTo("http");
  }

  @Test
  void devicePluginMountsKubeletsDirectoryAndPassesTheFlagOnlyWhenEnabled() {
    var off =
        Chart.one(Chart.objects(Map.of()), DaemonSet.class, "kv-kubevde-agent")
            .getSpec()
            .getTemplate()
            .getSpec();
    assertThat(off.getContainers().getFirst().getArgs())
        .noneMatch(a -> a.startsWith("--device-plugin-dir"));
    assertThat(off.getVolumes()).noneMatch(v -> v.getName().equals("device-plugins"));

    var on =
        Chart.one(
                Chart.objects(
                    Map.of(
                        "agent.devicePlugin.enabled", "true",
                        "agent.devicePlugin.kubeletDir", "/data/kubelet/device-plugins")),
                DaemonSet.class,
                "kv-kubevde-agent")
            .getSpec()
            .getTemplate()
            .getSpec();
    var agent = on.getContainers().getFirst();
    assertThat(agent.getArgs()).contains("--device-plugin-dir=/var/lib/kubelet/device-plugins");
    assertThat(agent.getSecurityContext().getCapabilities().getAdd())
        .as("the switch connects to client sockets of any user")
        .contains("DAC_OVERRIDE");
    assertThat(off.getContainers().getFirst().getSecurityContext().getCapabilities().getAdd())
        .doesNotContain("DAC_OVERRIDE");
    assertThat(agent.getVolumeMounts())
        .filteredOn(m -> m.getName().equals("device-plugins"))
        .singleElement()
        .satisfies(m -> assertThat(m.getMountPath()).isEqualTo("/var/lib/kubelet/device-plugins"));
    assertThat(on.getVolumes())
        .filteredOn(v -> v.getName().equals("device-plugins"))
        .singleElement()
        .satisfies(
            v -> assertThat(v.getHostPath().getPath()).isEqualTo("/data/kubelet/device-plugins"));
    assertThatThrownBy(
            () -> Chart.render("kv", "ns", Map.of("agent.devicePlugin.kubeletDir", "relative/dir")))
        .hasMessageContaining("devicePlugin");
  }

  @Test
  void externalLinksMountHostSwitchDirectoriesAndTheSshKeySecretOnlyWhenConfigured() {
    var off =
        Chart.one(Chart.objects(Map.of()), DaemonSet.class, "kv-kubevde-agent")
            .getSpec()
            .getTemplate()
            .getSpec();
    assertThat(off.getVolumes())
        .noneMatch(v -> v.getName().startsWith("host-switch-") || v.getName().equals("ssh-key"));
    assertThat(off.getContainers().getFirst().getVolumeMounts())
        .noneMatch(m -> m.getMountPath().equals("/etc/kubevde/ssh"));

    var on =
        Chart.one(
                Chart.objects(
                    Map.of(
                        "agent.links.hostSwitchDirs[0]", "/run/vde",
                        "agent.links.hostSwitchDirs[1]", "/srv/lab/switches",
                        "agent.links.sshKeySecret", "lab-ssh")),
                DaemonSet.class,
                "kv-kubevde-agent")
            .getSpec()
            .getTemplate()
            .getSpec();
    var mounts = on.getContainers().getFirst().getVolumeMounts();
    assertThat(mounts)
        .filteredOn(m -> m.getName().startsWith("host-switch-"))
        .extracting(m -> m.getName() + "=" + m.getMountPath() + ",ro=" + m.getReadOnly())
        .as("the same path inside the agent, writable (clients bind their socket there)")
        .containsExactly(
            "host-switch-0=/run/vde,ro=null", "host-switch-1=/srv/lab/switches,ro=null");
    assertThat(on.getVolumes())
        .filteredOn(v -> v.getName().startsWith("host-switch-"))
        .extracting(v -> v.getHostPath().getPath() + " " + v.getHostPath().getType())
        .containsExactly("/run/vde DirectoryOrCreate", "/srv/lab/switches DirectoryOrCreate");
    assertThat(mounts)
        .filteredOn(m -> m.getName().equals("ssh-key"))
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getMountPath()).isEqualTo("/etc/kubevde/ssh");
              assertThat(m.getReadOnly()).isTrue();
            });
    assertThat(on.getVolumes())
        .filteredOn(v -> v.getName().equals("ssh-key"))
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.getSecret().getSecretName()).isEqualTo("lab-ssh");
              assertThat(v.getSecret().getDefaultMode())
                  .as("ssh refuses group/other-readable keys")
                  .isEqualTo(0400);
            });
    assertThat(on.getInitContainers().getFirst().getVolumeMounts())
        .as("install-cni gets none of them")
        .noneMatch(m -> m.getName().startsWith("host-switch-") || m.getName().equals("ssh-key"));
  }

  @Test
  void schemaRefusesHostSwitchDirsThatWouldShadowTheAgentOrTheHostAndBadSecretNames() {
    for (String bad :
        List.of(
            "relative/dir",
            "/",
            "/run/vde/../kubevde",
            "/etc",
            "/etc/vde",
            "/proc/1",
            "/dev",
            "/run",
            "/var/run",
            "/run/kubevde",
            "/run/kubevde/net",
            "/var/run/netns",
            "/var/lib/kubelet",
            "/var/lib/kubevde",
            "/opt/cni/bin",
            "/run/vde sw",
            "/run/vde/")) {
      assertThatThrownBy(
              () -> Chart.render("kv", "ns", Map.of("agent.links.hostSwitchDirs[0]", bad)))
          .as(bad)
          .hasMessageContaining("hostSwitchDirs");
    }
    assertThat(
            Chart.render(
                "kv",
                "ns",
                Map.of(
                    "agent.links.hostSwitchDirs[0]", "/run/vde",
                    "agent.links.hostSwitchDirs[1]", "/tmp/sw",
                    "agent.links.hostSwitchDirs[2]", "/var/lib/vde2")))
        .contains("/run/vde", "/tmp/sw", "/var/lib/vde2");
    assertThatThrownBy(
            () -> Chart.render("kv", "ns", Map.of("agent.links.sshKeySecret", "Lab_SSH")))
        .hasMessageContaining("sshKeySecret");
  }

  @Test
  void uninstallHookRunsOperatorCleanupWithItsOwnRbac() {
    List<HasMetadata> objs = Chart.objectsWithHooks(Map.of("cleanup.timeoutSeconds", "30"));
    Job job = Chart.one(objs, Job.class, "kv-kubevde-cleanup");
    assertThat(job.getMetadata().getAnnotations())
        .containsEntry("helm.sh/hook", "pre-delete")
        .containsEntry("helm.sh/hook-delete-policy", "before-hook-creation,hook-succeeded");
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getServiceAccountName()).isEqualTo("kv-kubevde-cleanup");
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    var c = pod.getContainers().getFirst();
    assertThat(c.getImage()).isEqualTo("ghcr.io/kubevde/operator:0.1.0");
    DaemonSet ds = Chart.one(objs, DaemonSet.class, "kv-kubevde-agent");
    String agentSelector =
        ds.getSpec().getSelector().getMatchLabels().entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .sorted()
            .collect(java.util.stream.Collectors.joining(","));
    assertThat(c.getArgs().getFirst()).isEqualTo("cleanup");
    assertThat(c.getArgs())
        .contains(
            "--namespace=kubevde-system",
            "--operator-deployment=kv-kubevde-operator",
            "--lease-name=kubevde-operator",
            "--timeout=30")
        .doesNotContain("--force");
    String rendered =
        c.getArgs().stream()
            .filter(a -> a.startsWith("--agent-selector="))
            .findFirst()
            .orElseThrow()
            .substring("--agent-selector=".length());
    assertThat(
            java.util.Arrays.stream(rendered.split(","))
                .sorted()
                .collect(java.util.stream.Collectors.joining(",")))
        .isEqualTo(agentSelector);
    // the hook's RBAC exists before the Job (lower weight) and is a hook itself (deleted with it)
    for (HasMetadata o : objs) {
      if (o.getMetadata().getName().equals("kv-kubevde-cleanup") && !(o instanceof Job)) {
        assertThat(o.getMetadata().getAnnotations())
            .as(o.getKind())
            .containsEntry("helm.sh/hook", "pre-delete")
            .containsEntry("helm.sh/hook-weight", "-10");
      }
    }
    assertThat(Chart.one(objs, ClusterRole.class, "kv-kubevde-cleanup").getRules())
        .allSatisfy(r -> assertThat(r.getApiGroups()).containsExactly("kubevde.io"));
    assertThat(Chart.one(objs, Role.class, "kv-kubevde-cleanup").getRules())
        .noneSatisfy(r -> assertThat(r.getVerbs()).contains("create"));
    assertThat(
            Chart.one(
                    Chart.objectsWithHooks(Map.of("cleanup.force", "true")),
                    Job.class,
                    "kv-kubevde-cleanup")
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .getFirst()
                .getArgs())
        .contains("--force");
    assertThat(Chart.names(Chart.objectsWithHooks(Map.of("cleanup.enabled", "false"))))
        .noneMatch(n -> n.endsWith("-cleanup"));
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
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("underlay.cidrs[0]", "nodes")))
        .hasMessageContaining("cidrs");
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("agent.ports.metrics", "9465")))
        .hasMessageContaining("agent.ports.health and agent.ports.metrics must differ");
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("agent.ports.metrics", "70000")))
        .hasMessageContaining("metrics");
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("agent.portLimits.stormPps", "-1")))
        .hasMessageContaining("stormPps");
    assertThatThrownBy(() -> Chart.render("kv", "ns", Map.of("agent.portLimits.burstMs", "0")))
        .hasMessageContaining("burstMs");
  }

  /**
   * The pod volume that {@code container} mounts at {@code path} (exactly one mount, one volume).
   */
  private static io.fabric8.kubernetes.api.model.Volume volumeMountedAt(
      io.fabric8.kubernetes.api.model.PodSpec pod,
      io.fabric8.kubernetes.api.model.Container container,
      String path) {
    String name =
        assertThat(container.getVolumeMounts())
            .filteredOn(m -> m.getMountPath().equals(path))
            .singleElement()
            .actual()
            .getName();
    return assertThat(pod.getVolumes())
        .filteredOn(v -> v.getName().equals(name))
        .singleElement()
        .actual();
  }
}
