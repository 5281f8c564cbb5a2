package io.kubevde.operator.model;

import io.fabric8.kubernetes.api.model.Condition;
import io.kubevde.api.v1alpha1.EncryptionStatus;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.VdeNetworkStatus;
import java.util.List;

/**
 * The one place a {@link VdeNetworkStatus} is assembled: start {@link #empty()} (a full
 * recomputation) or {@link #from} the previous status (to change a few fields and keep the rest),
 * set what changed, {@link #build()}. Field meanings are those of {@link VdeNetworkStatus}; null
 * leaves a field out of the status.
 */
public final class NetworkStatusBuilder {
  private Long observedGeneration;
  private List<Condition> conditions;
  private Integer vni;
  private String group;
  private Integer port;
  private Integer mtu;
  private Integer nodesReady;
  private Integer nodesTotal;
  private Integer attachments;
  private List<NodeRange> nodeRanges;
  private String networkAttachmentDefinition;
  private String configMap;
  private EncryptionStatus encryption;

  private NetworkStatusBuilder() {}

  /**
   * @return a builder with every field unset
   */
  public static NetworkStatusBuilder empty() {
    return new NetworkStatusBuilder();
  }

  /**
   * @param prev the status to start from (null = {@link #empty()})
   * @return a builder holding every field of {@code prev}
   */
  public static NetworkStatusBuilder from(VdeNetworkStatus prev) {
    NetworkStatusBuilder b = new NetworkStatusBuilder();
    if (prev == null) return b;
    b.observedGeneration = prev.observedGeneration();
    b.conditions = prev.conditions();
    b.vni = prev.vni();
    b.group = prev.group();
    b.port = prev.port();
    b.mtu = prev.mtu();
    b.nodesReady = prev.nodesReady();
    b.nodesTotal = prev.nodesTotal();
    b.attachments = prev.attachments();
    b.nodeRanges = prev.nodeRanges();
    b.networkAttachmentDefinition = prev.networkAttachmentDefinition();
    b.configMap = prev.configMap();
    b.encryption = prev.encryption();
    return b;
  }

  /**
   * @return this, with {@code observedGeneration} set
   */
  public NetworkStatusBuilder observedGeneration(Long generation) {
    this.observedGeneration = generation;
    return this;
  }

  /**
   * @return this, with {@code observedGeneration} set only if it has no value yet
   */
  public NetworkStatusBuilder observedGenerationIfAbsent(Long generation) {
    if (observedGeneration == null) observedGeneration = generation;
    return this;
  }

  /**
   * @return this, with the conditions replaced
   */
  public NetworkStatusBuilder conditions(List<Condition> conditions) {
    this.conditions = conditions;
    return this;
  }

  /**
   * @param vni effective VNI or null
   * @param group effective multicast group or null
   * @param port effective UDP port (null for local networks)
   * @param mtu effective MTU in bytes
   * @return this
   */
  public NetworkStatusBuilder allocation(Integer vni, String group, Integer port, Integer mtu) {
    this.vni = vni;
    this.group = group;
    this.port = port;
    this.mtu = mtu;
    return this;
  }

  /**
   * Node counts; the printed {@code nodes} column is derived as {@code ready/total}.
   *
   * @param ready nodes whose agent reports the network ready
   * @param total nodes the network spans
   * @return this
   */
  public NetworkStatusBuilder nodes(int ready, int total) {
    this.nodesReady = ready;
    this.nodesTotal = total;
    return this;
  }

  /**
   * @return this, with the pod attachment count set
   */
  public NetworkStatusBuilder attachments(Integer attachments) {
    this.attachments = attachments;
    return this;
  }

  /**
   * @return this, with the per-node blocks set (an empty list is left out of the status)
   */
  public NetworkStatusBuilder nodeRanges(List<NodeRange> ranges) {
    this.nodeRanges = ranges == null || ranges.isEmpty() ? null : ranges;
    return this;
  }

  /**
   * @param nad name of the published NetworkAttachmentDefinition or null
   * @param configMap {@code namespace/name} of the published agent ConfigMap or null
   * @return this
   */
  public NetworkStatusBuilder published(String nad, String configMap) {
    this.networkAttachmentDefinition = nad;
    this.configMap = configMap;
    return this;
  }

  /**
   * @return this, with the key state of a sealed network set (null: not sealed)
   */
  public NetworkStatusBuilder encryption(EncryptionStatus encryption) {
    this.encryption = encryption;
    return this;
  }

  /**
   * @return the status
   */
  public VdeNetworkStatus build() {
    String nodes = nodesReady == null || nodesTotal == null ? null : nodesReady + "/" + nodesTotal;
    return new VdeNetworkStatus(
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
        encryption);
  }
}
