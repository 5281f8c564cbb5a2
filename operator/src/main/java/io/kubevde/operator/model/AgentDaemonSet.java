package io.kubevde.operator.model;

import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.NodeSelectorTerm;
import io.fabric8.kubernetes.api.model.NodeSelectorTermBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The node agent DaemonSet (k8s-conventions.md §2): one for all networks, in the operator
 * namespace. Its node selection is the union of the networks' nodeSelectors (one nodeAffinity term
 * per distinct selector; no affinity when a network selects every node), always restricted to
 * {@code kubernetes.io/os=linux}.
 *
 * <p>Pod shape: hostNetwork (vxvde uses node addresses), {@code system-node-critical}, tolerates
 * every taint, RollingUpdate, NODE_NAME and NODE_IP (status.hostIP) from the downward API, an
 * initContainer copying the CNI binary into {@code /opt/cni/bin} (write then rename inside the
 * image's installer), hostPath mounts {@code /opt/cni/bin}, {@code /run/kubevde} (CNI socket,
 * rendezvous dirs), {@code /var/lib/kubevde} (attachment records), {@code /var/run/netns} (pod
 * namespaces, HostToContainer propagation) and {@code /dev/net/tun}; privileged (tap creation and
 * moving links between namespaces); probes on the named port {@code healthz} (8081), metrics on
 * {@code metrics} (9090).
 */
public final class AgentDaemonSet {
  private AgentDaemonSet() {}

  /** Port of the agent's /healthz and /readyz. */
  public static final int HEALTH_PORT = 8081;

  /** Port of the agent's /metrics. */
  public static final int METRICS_PORT = 9090;

  /**
   * What the DaemonSet is made of besides the networks' node selectors (plain values from the
   * operator's configuration, so this model class needs no runtime class).
   *
   * @param namespace operator namespace (DaemonSet, and the agents' {@code --config-namespace})
   * @param agentImage node agent image (also the CNI installer)
   * @param agentImagePullPolicy Always, IfNotPresent or Never
   * @param agentServiceAccount service account of the agent pods
   * @param agentSettings site settings ({@code --agent-settings}); null = defaults
   */
  public record Config(
      String namespace,
      String agentImage,
      String agentImagePullPolicy,
      String agentServiceAccount,
      AgentSettings agentSettings) {
    /** Null settings become {@link AgentSettings#defaults()}. */
    public Config {
      if (agentSettings == null) agentSettings = AgentSettings.defaults();
    }
  }

  /**
   * @param nodeSelectors the nodeSelector of every live network (empty map = all nodes)
   * @param cfg namespace, image, pull policy, service account and site settings
   * @return the desired DaemonSet
   */
  public static DaemonSet desired(Collection<Map<String, String>> nodeSelectors, Config cfg) {
    Map<String, String> podLabels =
        Map.of("app.kubernetes.io/name", "kubevde", Names.LABEL_COMPONENT, "agent");
    Map<String, String> labels = new TreeMap<>(podLabels);
    labels.put(Names.LABEL_MANAGED_BY, Names.MANAGER);
    List<NodeSelectorTerm> terms = terms(nodeSelectors);
    DaemonSetBuilder b =
        new DaemonSetBuilder()
            .withNewMetadata()
            .withNamespace(cfg.namespace())
            .withName(Names.AGENT_DAEMONSET)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withNewSelector()
            .withMatchLabels(podLabels)
            .endSelector()
            .withNewUpdateStrategy()
            .withType("RollingUpdate")
            .withNewRollingUpdate()
            .withNewMaxUnavailable(1)
            .endRollingUpdate()
            .endUpdateStrategy()
            .withNewTemplate()
            .withNewMetadata()
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .withHostNetwork(true)
            .withDnsPolicy("ClusterFirstWithHostNet")
            .withPriorityClassName("system-node-critical")
            .withServiceAccountName(cfg.agentServiceAccount())
            .withTerminationGracePeriodSeconds(30L)
            .withNodeSelector(Map.of("kubernetes.io/os", "linux"))
            .withTolerations(
                new TolerationBuilder().withOperator("Exists").withEffect("NoSchedule").build(),
                new TolerationBuilder().withOperator("Exists").withEffect("NoExecute").build())
            .addNewInitContainer()
            .withName("install-cni")
            .withImage(cfg.agentImage())
            .withImagePullPolicy(cfg.agentImagePullPolicy())
            .withCommand("/opt/kubevde/bin/install-cni", "/host/opt/cni/bin")
            .withNewResources()
            .withRequests(Map.of("cpu", new Quantity("10m"), "memory", new Quantity("32Mi")))
            .withLimits(Map.of("memory", new Quantity("64Mi")))
            .endResources()
            .withVolumeMounts(
                new VolumeMountBuilder()
                    .withName("cni-bin")
                    .withMountPath("/host/opt/cni/bin")
                    .build())
            .endInitContainer()
            .addNewContainer()
            .withName("agent")
            .withImage(cfg.agentImage())
            .withImagePullPolicy(cfg.agentImagePullPolicy())
            .withArgs("--config-namespace=" + cfg.namespace())
            // fieldRef apiVersion v1 is the API server's default, written out so the stored object
            // matches
            .withEnv(
                new EnvVarBuilder()
                    .withName("NODE_NAME")
                    .withNewValueFrom()
                    .withNewFieldRef()
                    .withApiVersion("v1")
                    .withFieldPath("spec.nodeName")
                    .endFieldRef()
                    .endValueFrom()
                    .build(),
                // the node's underlay address: vxvde-unicast bind/peer filtering and VdeNode
                // spec.address
                new EnvVarBuilder()
                    .withName("NODE_IP")
                    .withNewValueFrom()
                    .withNewFieldRef()
                    .withApiVersion("v1")
                    .withFieldPath("status.hostIP")
                    .endFieldRef()
                    .endValueFrom()
                    .build(),
                new EnvVarBuilder()
                    .withName("KUBEVDE_CONFIG_NAMESPACE")
                    .withValue(cfg.namespace())
                    .build())
            .addNewPort()
            .withName("healthz")
            .withContainerPort(HEALTH_PORT)
            .withProtocol("TCP")
            .endPort()
            .addNewPort()
            .withName("metrics")
            .withContainerPort(METRICS_PORT)
            .withProtocol("TCP")
            .endPort()
            .withNewLivenessProbe()
            .withNewHttpGet()
            .withPath("/healthz")
            .withNewPort("healthz")
            .endHttpGet()
            .withPeriodSeconds(10)
            .withFailureThreshold(6)
            .endLivenessProbe()
            .withNewReadinessProbe()
            .withNewHttpGet()
            .withPath("/readyz")
            .withNewPort("healthz")
            .endHttpGet()
            .withPeriodSeconds(5)
            .endReadinessProbe()
            .withNewSecurityContext()
            .withPrivileged(true)
            .endSecurityContext()
            .withNewResources()
            .withRequests(Map.of("cpu", new Quantity("100m"), "memory", new Quantity("64Mi")))
            .withLimits(Map.of("memory", new Quantity("512Mi")))
            .endResources()
            .withVolumeMounts(
                new VolumeMountBuilder().withName("cni-bin").withMountPath("/opt/cni/bin").build(),
                new VolumeMountBuilder().withName("run").withMountPath("/run/kubevde").build(),
                new VolumeMountBuilder()
                    .withName("state")
                    .withMountPath("/var/lib/kubevde")
                    .build(),
                new VolumeMountBuilder()
                    .withName("netns")
                    .withMountPath("/var/run/netns")
                    .withMountPropagation("HostToContainer")
                    .build(),
                new VolumeMountBuilder().withName("tun").withMountPath("/dev/net/tun").build())
            .endContainer()
            .withVolumes(
                hostPath("cni-bin", "/opt/cni/bin", "DirectoryOrCreate"),
                hostPath("run", "/run/kubevde", "DirectoryOrCreate"),
                hostPath("state", "/var/lib/kubevde", "DirectoryOrCreate"),
                hostPath("netns", "/var/run/netns", "DirectoryOrCreate"),
                hostPath("tun", "/dev/net/tun", "CharDevice"))
            .endSpec()
            .endTemplate()
            .endSpec();
    DaemonSet ds = b.build();
    applySettings(ds, cfg.agentSettings());
    if (!terms.isEmpty()) {
      ds.getSpec()
          .getTemplate()
          .getSpec()
          .setAffinity(
              new io.fabric8.kubernetes.api.model.AffinityBuilder()
                  .withNewNodeAffinity()
                  .withNewRequiredDuringSchedulingIgnoredDuringExecution()
                  .withNodeSelectorTerms(terms)
                  .endRequiredDuringSchedulingIgnoredDuringExecution()
                  .endNodeAffinity()
                  .build());
    }
    return ds;
  }

  /**
   * Applies the site settings (--agent-settings) over the defaults: CNI directories, resources,
   * tolerations, node selector, security context, pull secrets, annotations, priority class, agent
   * environment.
   */
  private static void applySettings(DaemonSet ds, AgentSettings s) {
    var pod = ds.getSpec().getTemplate().getSpec();
    var agent = pod.getContainers().get(0);
    var init = pod.getInitContainers().get(0);
    String binDir = s.effectiveCniBinDir();
    pod.getVolumes().stream()
        .filter(v -> v.getName().equals("cni-bin"))
        .forEach(v -> v.getHostPath().setPath(binDir));
    pod.getVolumes().add(hostPath("cni-conf", s.effectiveCniConfDir(), "DirectoryOrCreate"));
    agent
        .getVolumeMounts()
        .add(
            new VolumeMountBuilder()
                .withName("cni-conf")
                .withMountPath("/host/etc/cni/net.d")
                .withReadOnly(true)
                .build());
    List<io.fabric8.kubernetes.api.model.EnvVar> env = agent.getEnv();
    env.add(new EnvVarBuilder().withName("KUBEVDE_CNI_BIN_DIR").withValue(binDir).build());
    env.add(
        new EnvVarBuilder()
            .withName("KUBEVDE_CNI_CONF_DIR")
            .withValue(s.effectiveCniConfDir())
            .build());
    env.add(
        new EnvVarBuilder()
            .withName("KUBEVDE_MULTUS")
            .withValue(Boolean.toString(s.multusEnabled()))
            .build());
    if (s.mtu() != null && s.mtu() > 0) {
      env.add(
          new EnvVarBuilder()
              .withName("KUBEVDE_DEFAULT_MTU")
              .withValue(s.mtu().toString())
              .build());
    }
    if (s.logLevel() != null && !s.logLevel().isBlank()) {
      env.add(new EnvVarBuilder().withName("KUBEVDE_LOG_LEVEL").withValue(s.logLevel()).build());
    }
    if (s.linkTenantSchemes() != null) {
      env.add(
          new EnvVarBuilder()
              .withName("KUBEVDE_LINK_TENANT_SCHEMES")
              .withValue(String.join(",", s.linkTenantSchemes()))
              .build());
    }
    if (s.linkSystemNamespaces() != null && !s.linkSystemNamespaces().isEmpty()) {
      env.add(
          new EnvVarBuilder()
              .withName("KUBEVDE_LINK_SYSTEM_NAMESPACES")
              .withValue(String.join(",", s.linkSystemNamespaces()))
              .build());
    }
    if (s.resources() != null) agent.setResources(s.resources());
    if (s.initResources() != null) init.setResources(s.initResources());
    if (s.tolerations() != null) pod.setTolerations(new ArrayList<>(s.tolerations()));
    if (s.nodeSelector() != null) {
      Map<String, String> sel = new TreeMap<>(pod.getNodeSelector());
      sel.putAll(s.nodeSelector());
      pod.setNodeSelector(sel);
    }
    if (s.securityContext() != null) agent.setSecurityContext(s.securityContext());
    if (s.imagePullSecrets() != null)
      pod.setImagePullSecrets(new ArrayList<>(s.imagePullSecrets()));
    if (s.podAnnotations() != null && !s.podAnnotations().isEmpty()) {
      ds.getSpec().getTemplate().getMetadata().setAnnotations(new TreeMap<>(s.podAnnotations()));
    }
    if (s.priorityClassName() != null && !s.priorityClassName().isBlank()) {
      pod.setPriorityClassName(s.priorityClassName());
    }
  }

  /**
   * @return one term per distinct non-empty selector, or none when any selector is empty (all
   *     nodes)
   */
  static List<NodeSelectorTerm> terms(Collection<Map<String, String>> selectors) {
    Set<Map<String, String>> distinct = new LinkedHashSet<>();
    for (Map<String, String> s : selectors) {
      if (s == null || s.isEmpty()) return List.of();
      distinct.add(new TreeMap<>(s));
    }
    List<NodeSelectorTerm> out = new ArrayList<>();
    distinct.stream()
        .sorted(java.util.Comparator.comparing(Object::toString))
        .forEach(
            sel -> {
              NodeSelectorTermBuilder t = new NodeSelectorTermBuilder();
              sel.forEach(
                  (k, v) ->
                      t.addToMatchExpressions(
                          new NodeSelectorRequirementBuilder()
                              .withKey(k)
                              .withOperator("In")
                              .withValues(v)
                              .build()));
              out.add(t.build());
            });
    return out;
  }

  private static io.fabric8.kubernetes.api.model.Volume hostPath(
      String name, String path, String type) {
    return new VolumeBuilder()
        .withName(name)
        .withNewHostPath()
        .withPath(path)
        .withType(type)
        .endHostPath()
        .build();
  }
}
