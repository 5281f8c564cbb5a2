package io.kubevde.operator.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Optional;

/**
 * Finds the kubevde agent pod of a node, for the subcommands that exec into it ({@code capture},
 * {@code console}): {@code pods/exec} on the agent pods is the permission they need.
 */
final class AgentPods {
  /** Where the agents run unless {@code --agent-namespace} says otherwise. */
  static final String NAMESPACE = "kubevde-system";

  /** The agent pods' labels (the chart's) unless {@code --agent-selector} says otherwise. */
  static final String SELECTOR = "app.kubernetes.io/component=agent,app.kubernetes.io/name=kubevde";

  /** The agent binary in the agent image. */
  static final String AGENT = "/opt/kubevde/bin/kubevde-agent";

  private AgentPods() {}

  /** The running agent pod on {@code node} in {@code namespace} matching {@code selector}. */
  static Optional<Pod> onNode(
      KubernetesClient client, String namespace, String selector, String node) {
    return client
        .pods()
        .inNamespace(namespace)
        .withLabelSelector(selector)
        .list()
        .getItems()
        .stream()
        .filter(a -> node.equals(a.getSpec().getNodeName()))
        .filter(a -> a.getStatus() != null && "Running".equals(a.getStatus().getPhase()))
        .findFirst();
  }
}
