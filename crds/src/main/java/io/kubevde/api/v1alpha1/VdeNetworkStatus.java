package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * Observed state of a {@link VdeNetwork}, written by the operator (architecture.md §4,
 * k8s-conventions.md §8).
 *
 * @param observedGeneration metadata.generation the status was computed from
 * @param conditions Ready and Degraded (metav1.Condition shape)
 * @param vni the effective VNI (user's or allocated); stable for the network's lifetime
 * @param group the effective multicast group; stable for the network's lifetime
 * @param port the effective UDP port
 * @param mtu the effective MTU in bytes
 * @param nodes {@code ready/total} for printing
 * @param nodesReady nodes whose agent reports the network ready (from VdeNode objects)
 * @param nodesTotal nodes the network spans (selected nodes, or nodes whose agent reports it)
 * @param attachments pod attachments on all nodes (from VdeNode objects)
 * @param nodeRanges per-node address blocks
 * @param networkAttachmentDefinition name of the generated Multus NetworkAttachmentDefinition (same
 *     namespace)
 * @param configMap namespace/name of the ConfigMap the agents read for this network
 * @param encryption key state of a sealed network (null when not sealed)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VdeNetworkStatus(
    Long observedGeneration,
    List<Condition> conditions,
    Integer vni,
    String group,
    Integer port,
    Integer mtu,
    @JsonPropertyDescription("ready/total nodes") String nodes,
    Integer nodesReady,
    Integer nodesTotal,
    Integer attachments,
    List<NodeRange> nodeRanges,
    @JsonPropertyDescription("Name of the generated Multus NetworkAttachmentDefinition")
        String networkAttachmentDefinition,
    @JsonPropertyDescription("namespace/name of the ConfigMap the node agents read")
        String configMap,
    @JsonPropertyDescription("Key state of a sealed network") EncryptionStatus encryption) {

  /** The status without encryption state (as before {@code encryption} existed). */
  public VdeNetworkStatus(
      Long observedGeneration,
      List<Condition> conditions,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      String nodes,
      Integer nodesReady,
      Integer nodesTotal,
      Integer attachments,
      List<NodeRange> nodeRanges,
      String networkAttachmentDefinition,
      String configMap) {
    this(
        observedGeneration,
        conditions,
        vni,
        group,
        port,
        mtu,
        nodes,
        nodesReady,
        nodesTotal,
        attachments,
        nodeRanges,
        networkAttachmentDefinition,
        configMap,
        null);
  }
}
