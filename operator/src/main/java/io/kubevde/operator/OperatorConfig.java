package io.kubevde.operator;

import io.kubevde.operator.model.AgentDaemonSet;
import io.kubevde.operator.model.AgentSettings;
import io.kubevde.operator.model.AllocationPolicy;
import java.time.Duration;

/**
 * The operator's settings (command line / environment, see {@link OperatorMain}).
 *
 * @param namespace namespace of the operator's own objects: agent DaemonSet, per-network agent
 *     ConfigMaps, lease
 * @param agentImage container image of the node agent (also ships the CNI binary)
 * @param agentImagePullPolicy Always, IfNotPresent or Never
 * @param agentServiceAccount service account of the agent pods
 * @param allocation VNI and multicast group pools
 * @param heartbeatTimeout a VdeNode whose lastHeartbeat is older counts as not ready
 * @param leaderElection whether to run with a coordination.k8s.io Lease (one active replica)
 * @param leaseName name of that Lease
 * @param httpPort port of /healthz, /readyz, /metrics (0 = any free port, -1 = no server)
 * @param agentSettings site settings of the agent DaemonSet ({@code --agent-settings}, see {@link
 *     AgentSettings})
 * @param keyGracePeriod time between two phases of a key rotation (every agent must have the
 *     Secret's new content by then); null = {@link #DEFAULT_KEY_GRACE_PERIOD}
 */
public record OperatorConfig(
    String namespace,
    String agentImage,
    String agentImagePullPolicy,
    String agentServiceAccount,
    AllocationPolicy allocation,
    Duration heartbeatTimeout,
    boolean leaderElection,
    String leaseName,
    int httpPort,
    AgentSettings agentSettings,
    Duration keyGracePeriod) {

  /** Default {@link #keyGracePeriod}. */
  public static final Duration DEFAULT_KEY_GRACE_PERIOD = Duration.ofSeconds(30);

  /** Null settings become {@link AgentSettings#defaults()}, a null grace period the default. */
  public OperatorConfig {
    if (agentSettings == null) agentSettings = AgentSettings.defaults();
    if (keyGracePeriod == null) keyGracePeriod = DEFAULT_KEY_GRACE_PERIOD;
  }

  /** The configuration with the default key grace period. */
  public OperatorConfig(
      String namespace,
      String agentImage,
      String agentImagePullPolicy,
      String agentServiceAccount,
      AllocationPolicy allocation,
      Duration heartbeatTimeout,
      boolean leaderElection,
      String leaseName,
      int httpPort,
      AgentSettings agentSettings) {
    this(
        namespace,
        agentImage,
        agentImagePullPolicy,
        agentServiceAccount,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        agentSettings,
        null);
  }

  /** The configuration with default agent settings (as before {@code --agent-settings} existed). */
  public OperatorConfig(
      String namespace,
      String agentImage,
      String agentImagePullPolicy,
      String agentServiceAccount,
      AllocationPolicy allocation,
      Duration heartbeatTimeout,
      boolean leaderElection,
      String leaseName,
      int httpPort) {
    this(
        namespace,
        agentImage,
        agentImagePullPolicy,
        agentServiceAccount,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        AgentSettings.defaults());
  }

  /** Default agent image. */
  public static final String DEFAULT_AGENT_IMAGE = "ghcr.io/kubevde/agent:0.1.0";

  /**
   * @param namespace operator namespace
   * @return defaults for that namespace (leader election off, no HTTP server)
   */
  public static OperatorConfig defaults(String namespace) {
    return new OperatorConfig(
        namespace,
        DEFAULT_AGENT_IMAGE,
        "IfNotPresent",
        "kubevde-agent",
        AllocationPolicy.defaults(),
        Duration.ofSeconds(60),
        false,
        "kubevde-operator",
        -1);
  }

  /**
   * @return the plain values the agent DaemonSet is built from ({@link AgentDaemonSet#desired})
   */
  public AgentDaemonSet.Config agentDaemonSet() {
    return new AgentDaemonSet.Config(
        namespace, agentImage, agentImagePullPolicy, agentServiceAccount, agentSettings);
  }

  /**
   * @return a copy with another agent image
   */
  public OperatorConfig withAgentImage(String image) {
    return new OperatorConfig(
        namespace,
        image,
        agentImagePullPolicy,
        agentServiceAccount,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        agentSettings,
        keyGracePeriod);
  }

  /**
   * @return a copy with other agent settings
   */
  public OperatorConfig withAgentSettings(AgentSettings settings) {
    return new OperatorConfig(
        namespace,
        agentImage,
        agentImagePullPolicy,
        agentServiceAccount,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        settings,
        keyGracePeriod);
  }

  /**
   * @return a copy with leader election switched on or off
   */
  public OperatorConfig withLeaderElection(boolean on) {
    return new OperatorConfig(
        namespace,
        agentImage,
        agentImagePullPolicy,
        agentServiceAccount,
        allocation,
        heartbeatTimeout,
        on,
        leaseName,
        httpPort,
        agentSettings,
        keyGracePeriod);
  }

  /**
   * @return a copy with another key rotation grace period
   */
  public OperatorConfig withKeyGracePeriod(Duration grace) {
    return new OperatorConfig(
        namespace,
        agentImage,
        agentImagePullPolicy,
        agentServiceAccount,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        agentSettings,
        grace);
  }
}
