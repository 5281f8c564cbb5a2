package io.kubevde.agent;

import io.kubevde.agent.dataplane.DataPlaneSettings;
import io.kubevde.agent.dataplane.EgressSettings;
import io.kubevde.agent.dataplane.SwitchLimits;
import io.kubevde.agent.model.LinkPolicy;
import java.nio.file.Path;

/**
 * Everything the agent is started with (flags of {@link AgentMain}).
 *
 * @param cniSocket the CNI socket path
 * @param stateDir state directory ({@code attachments/}, {@code ipam/})
 * @param runDir run directory: rendezvous directories under {@code net/<ns>/<name>}
 * @param underlayMtu underlay MTU in bytes; pod taps default to it minus 50
 * @param nodeName this node's name (VdeNode name, {@code nodeRanges} key)
 * @param nodeAddress this node's underlay address (vxvde-unicast bind and peer filtering; VdeNode
 *     spec), or null
 * @param uplinkInterface multicast interface for vxvde uplinks, or null
 * @param kubernetes whether to watch Kubernetes and write the VdeNode
 * @param kubeconfig kubeconfig file, or null for the default chain (in-cluster, KUBECONFIG,
 *     ~/.kube/config)
 * @param configNamespace namespace of the operator's ConfigMaps
 * @param heartbeatMs VdeNode status period (ms)
 * @param healthPort /healthz and /readyz port (0 = ephemeral, -1 = off)
 * @param metricsPort /metrics port (0 = ephemeral, -1 = off)
 * @param networkWaitMs with Kubernetes: how long an ADD for a network without operator
 *     configuration (and no IPAM of its own) waits for it before answering CNI error 11 (ms)
 * @param reconcileMs period of the clean-up pass: records of netns proven gone, orphaned address
 *     reservations, re-attach retries (ms)
 * @param linkTenantSchemes comma list of VNL schemes VdeLinks of tenant namespaces may use, or null
 *     for {@link LinkPolicy#DEFAULT_TENANT_SCHEMES} ({@code *} = every scheme)
 * @param linkSystemNamespaces comma list of namespaces (besides {@code configNamespace}) whose
 *     VdeLinks may use every scheme, or null
 * @param switchLimits ingress policing and storm control of the network switches' ports (null =
 *     {@link SwitchLimits#DEFAULT})
 * @param devicePluginDir kubelet's device-plugin directory ({@code
 *     /var/lib/kubelet/device-plugins}: its {@code kubelet.sock} and the plugins' sockets), or null
 *     for no device plugin; with one, the rendezvous sockets are {@code 0666} (any container user)
 * @param egress gateways of egress networks: destinations denied to tenants, the node's netns (null
 *     = {@link EgressSettings#DEFAULT})
 */
public record AgentConfig(
    Path cniSocket,
    Path stateDir,
    Path runDir,
    int underlayMtu,
    String nodeName,
    String nodeAddress,
    String uplinkInterface,
    boolean kubernetes,
    Path kubeconfig,
    String configNamespace,
    long heartbeatMs,
    int healthPort,
    int metricsPort,
    long networkWaitMs,
    long reconcileMs,
    String linkTenantSchemes,
    String linkSystemNamespaces,
    SwitchLimits switchLimits,
    Path devicePluginDir,
    EgressSettings egress) {

  /** Null {@code switchLimits} and {@code egress} become the defaults. */
  public AgentConfig {
    switchLimits = switchLimits == null ? SwitchLimits.DEFAULT : switchLimits;
    egress = egress == null ? EgressSettings.DEFAULT : egress;
  }

  /** A config with the default {@link EgressSettings}. */
  public AgentConfig(
      Path cniSocket,
      Path stateDir,
      Path runDir,
      int underlayMtu,
      String nodeName,
      String nodeAddress,
      String uplinkInterface,
      boolean kubernetes,
      Path kubeconfig,
      String configNamespace,
      long heartbeatMs,
      int healthPort,
      int metricsPort,
      long networkWaitMs,
      long reconcileMs,
      String linkTenantSchemes,
      String linkSystemNamespaces,
      SwitchLimits switchLimits,
      Path devicePluginDir) {
    this(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        networkWaitMs,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        switchLimits,
        devicePluginDir,
        EgressSettings.DEFAULT);
  }

  /** A config with the default {@link SwitchLimits}. */
  public AgentConfig(
      Path cniSocket,
      Path stateDir,
      Path runDir,
      int underlayMtu,
      String nodeName,
      String nodeAddress,
      String uplinkInterface,
      boolean kubernetes,
      Path kubeconfig,
      String configNamespace,
      long heartbeatMs,
      int healthPort,
      int metricsPort,
      long networkWaitMs,
      long reconcileMs,
      String linkTenantSchemes,
      String linkSystemNamespaces) {
    this(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        networkWaitMs,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        SwitchLimits.DEFAULT,
        null);
  }

  /** Default {@link #networkWaitMs}: 5 s. */
  public static final long DEFAULT_NETWORK_WAIT_MS = 5_000;

  /** A config with the default network wait (5 s), reconcile period (60 s) and link policy. */
  public AgentConfig(
      Path cniSocket,
      Path stateDir,
      Path runDir,
      int underlayMtu,
      String nodeName,
      String nodeAddress,
      String uplinkInterface,
      boolean kubernetes,
      Path kubeconfig,
      String configNamespace,
      long heartbeatMs,
      int healthPort,
      int metricsPort) {
    this(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        DEFAULT_NETWORK_WAIT_MS,
        60_000,
        null,
        null);
  }

  /**
   * The VdeLink policy in effect: the configured lists, {@code configNamespace} always a system
   * namespace.
   */
  public LinkPolicy linkPolicy() {
    return LinkPolicy.of(linkTenantSchemes, linkSystemNamespaces, configNamespace);
  }

  /** A copy with the link policy's lists (comma lists; null = default). */
  public AgentConfig withLinkPolicy(String tenantSchemes, String systemNamespaces) {
    return new AgentConfig(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        networkWaitMs,
        reconcileMs,
        tenantSchemes,
        systemNamespaces,
        switchLimits,
        devicePluginDir,
        egress);
  }

  /** A stand-alone agent (no Kubernetes, no HTTP) with everything under {@code dir} (tests). */
  public static AgentConfig standalone(Path dir, String nodeName) {
    return new AgentConfig(
        dir.resolve("cni.sock"),
        dir.resolve("state"),
        dir.resolve("run"),
        1500,
        nodeName,
        null,
        null,
        false,
        null,
        "kubevde-system",
        10_000,
        -1,
        -1);
  }

  /** A copy with Kubernetes on, using {@code kubeconfig} and ConfigMaps from {@code namespace}. */
  public AgentConfig withKubernetes(Path kubeconfig, String namespace, long heartbeatMs) {
    return new AgentConfig(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        true,
        kubeconfig,
        namespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        networkWaitMs,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        switchLimits,
        devicePluginDir,
        egress);
  }

  /** A copy with the HTTP ports set. */
  public AgentConfig withPorts(int health, int metrics) {
    return new AgentConfig(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        health,
        metrics,
        networkWaitMs,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        switchLimits,
        devicePluginDir,
        egress);
  }

  /** A copy with the network wait set (ms). */
  public AgentConfig withNetworkWait(long ms) {
    return new AgentConfig(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        ms,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        switchLimits,
        devicePluginDir,
        egress);
  }

  /** A copy with {@code limits} for the network switches' ports. */
  public AgentConfig withSwitchLimits(SwitchLimits limits) {
    return new AgentConfig(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        networkWaitMs,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        limits,
        devicePluginDir,
        egress);
  }

  /** A copy serving kubelet's device-plugin API in {@code dir} (null = off). */
  public AgentConfig withDevicePluginDir(Path dir) {
    return new AgentConfig(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        networkWaitMs,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        switchLimits,
        dir,
        egress);
  }

  /** A copy with {@code settings} for egress gateways. */
  public AgentConfig withEgress(EgressSettings settings) {
    return new AgentConfig(
        cniSocket,
        stateDir,
        runDir,
        underlayMtu,
        nodeName,
        nodeAddress,
        uplinkInterface,
        kubernetes,
        kubeconfig,
        configNamespace,
        heartbeatMs,
        healthPort,
        metricsPort,
        networkWaitMs,
        reconcileMs,
        linkTenantSchemes,
        linkSystemNamespaces,
        switchLimits,
        devicePluginDir,
        settings);
  }

  /** What the data plane is built from (saved for the crash path's early start). */
  public DataPlaneSettings dataPlaneSettings() {
    return new DataPlaneSettings(
        runDir, nodeAddress, uplinkInterface, switchLimits, rendezvousMode(), kubernetes, egress);
  }

  /** Permission bits of the rendezvous sockets: 0666 with the device plugin, else 0600. */
  public int rendezvousMode() {
    return devicePluginDir == null ? 0600 : 0666;
  }
}
