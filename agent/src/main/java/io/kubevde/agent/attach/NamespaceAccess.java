package io.kubevde.agent.attach;

import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.cni.protocol.CniError;

/**
 * Tenant isolation on CNI ADD (issue 11): a pod attaches only to VdeNetworks of its own namespace,
 * unless the network's {@code spec.allowedNamespaces} (carried in {@link
 * AgentNetworkConfig#allowedNamespaces()}) admits the pod's namespace or lists {@code *}. The pod's
 * namespace is {@code K8S_POD_NAMESPACE} from CNI_ARGS; without it only a network admitting {@code
 * *} is allowed. A stand-alone agent (no Kubernetes, {@code --standalone}) serves runtimes that
 * know no namespaces: there a request without {@code K8S_POD_NAMESPACE}, or a network named without
 * a namespace, is allowed; a request that names its namespace is still held to the rule.
 *
 * <p>A refusal is CNI error {@value #CODE} ({@link CniError#NOT_PERMITTED}) naming both namespaces,
 * the network and the field that would admit it.
 */
public final class NamespaceAccess {
  /** The CNI error code of a refused attachment. */
  public static final int CODE = CniError.NOT_PERMITTED;

  private final boolean standalone;

  /**
   * @param standalone whether the agent runs without Kubernetes (see the class comment)
   */
  public NamespaceAccess(boolean standalone) {
    this.standalone = standalone;
  }

  /**
   * Checks one attachment.
   *
   * @param podNamespace {@code K8S_POD_NAMESPACE}, or null/empty when the runtime gave none
   * @param network the VdeNetwork key {@code <namespace>/<name>} the request attaches to
   * @param described the operator's description of that network, or null when no ConfigMap
   *     describes it (then only its own namespace is admitted)
   * @throws CniError.Failure code {@value #CODE} when the pod may not attach, 7 when a Kubernetes
   *     request names no network namespace
   */
  public void check(String podNamespace, String network, AgentNetworkConfig described) {
    boolean noPodNs = podNamespace == null || podNamespace.isEmpty();
    int slash = network.indexOf('/');
    if (slash < 0) {
      if (standalone) return;
      throw new CniError.Failure(
          CniError.INVALID_CONFIG,
          "network config names no VdeNetwork: 'network' must be "
              + "<namespace>/<name>, got '"
              + network
              + "'");
    }
    AgentNetworkConfig net = described != null ? described : AgentNetworkConfig.local(network);
    if (net.admits(podNamespace)) return;
    if (noPodNs) {
      if (standalone) return;
      throw new CniError.Failure(
          CODE,
          "CNI_ARGS has no K8S_POD_NAMESPACE: the pod's namespace is unknown, and network "
              + network
              + " admits pods of any namespace only with spec.allowedNamespaces [\"*\"]");
    }
    throw new CniError.Failure(
        CODE,
        "pod namespace "
            + podNamespace
            + " may not attach to network "
            + network
            + " (spec.allowedNamespaces of "
            + network
            + " does not list "
            + podNamespace
            + ")");
  }
}
