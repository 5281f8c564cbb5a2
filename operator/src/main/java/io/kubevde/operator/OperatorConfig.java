package io.kubevde.operator;

import io.kubevde.operator.model.AllocationPolicy;
import java.time.Duration;
import java.util.List;

/**
 * The operator's settings (command line / environment, see {@link OperatorMain}). The agent
 * DaemonSet is not among them: the Helm chart renders it (charts/kubevde), the operator only
 * publishes what each agent must run.
 *
 * @param namespace namespace of the operator's own objects: per-network agent ConfigMaps, key
 *     Secrets, lease (and where the agents read them)
 * @param allocation VNI and multicast group pools
 * @param heartbeatTimeout a VdeNode whose lastHeartbeat is older counts as not ready
 * @param leaderElection whether to run with a coordination.k8s.io Lease (one active replica)
 * @param leaseName name of that Lease
 * @param httpPort port of /healthz, /readyz, /metrics (0 = any free port, -1 = no server)
 * @param multus whether to publish a Multus NetworkAttachmentDefinition per VdeNetwork (when the
 *     NAD CRD exists)
 * @param keyGracePeriod time between two phases of a key rotation (every agent must have the
 *     Secret's new content by then); null = {@link #DEFAULT_KEY_GRACE_PERIOD}
 * @param underlayCidrs the node (underlay) network's CIDRs (chart {@code underlay.cidrs}, option
 *     {@code --underlay-cidrs}): when set, vxvde multicast uplinks accept senders inside them
 *     ({@code /allow=}) instead of only the network's node addresses; empty = none (null = empty)
 */
public record OperatorConfig(
    String namespace,
    AllocationPolicy allocation,
    Duration heartbeatTimeout,
    boolean leaderElection,
    String leaseName,
    int httpPort,
    boolean multus,
    Duration keyGracePeriod,
    List<String> underlayCidrs) {

  /** Default {@link #keyGracePeriod}. */
  public static final Duration DEFAULT_KEY_GRACE_PERIOD = Duration.ofSeconds(30);

  /**
   * A null grace period becomes the default; every underlay entry must be a CIDR or an address.
   *
   * @throws IllegalArgumentException naming the first bad underlay entry
   */
  public OperatorConfig {
    if (keyGracePeriod == null) keyGracePeriod = DEFAULT_KEY_GRACE_PERIOD;
    underlayCidrs = underlayCidrs == null ? List.of() : List.copyOf(underlayCidrs);
    for (String c : underlayCidrs) {
      try {
        io.kubevde.api.net.Cidr.parse(c);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("underlay CIDRs: not a CIDR or address: " + c, e);
      }
    }
  }

  /** The configuration with NADs published and the default key grace period. */
  public OperatorConfig(
      String namespace,
      AllocationPolicy allocation,
      Duration heartbeatTimeout,
      boolean leaderElection,
      String leaseName,
      int httpPort) {
    this(
        namespace,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        true,
        null,
        List.of());
  }

  /**
   * @param namespace operator namespace
   * @return defaults for that namespace (leader election off, no HTTP server, NADs published)
   */
  public static OperatorConfig defaults(String namespace) {
    return new OperatorConfig(
        namespace,
        AllocationPolicy.defaults(),
        Duration.ofSeconds(60),
        false,
        "kubevde-operator",
        -1);
  }

  /**
   * @return a copy with NAD publishing switched on or off
   */
  public OperatorConfig withMultus(boolean on) {
    return new OperatorConfig(
        namespace,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        on,
        keyGracePeriod,
        underlayCidrs);
  }

  /**
   * @return a copy with leader election switched on or off
   */
  public OperatorConfig withLeaderElection(boolean on) {
    return new OperatorConfig(
        namespace,
        allocation,
        heartbeatTimeout,
        on,
        leaseName,
        httpPort,
        multus,
        keyGracePeriod,
        underlayCidrs);
  }

  /**
   * @return a copy with another key rotation grace period
   */
  public OperatorConfig withKeyGracePeriod(Duration grace) {
    return new OperatorConfig(
        namespace,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        multus,
        grace,
        underlayCidrs);
  }

  /**
   * @return a copy with these underlay CIDRs (vxvde multicast sender check)
   */
  public OperatorConfig withUnderlayCidrs(List<String> cidrs) {
    return new OperatorConfig(
        namespace,
        allocation,
        heartbeatTimeout,
        leaderElection,
        leaseName,
        httpPort,
        multus,
        keyGracePeriod,
        cidrs);
  }
}
