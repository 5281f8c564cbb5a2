package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * What a node agent reports (written by the agent, read by the operator for aggregation).
 *
 * @param networks networks served on the node
 * @param attachments total pod attachments on the node
 * @param attachmentList the attachments themselves
 * @param links VdeLink paths running on the node
 * @param macTableSize total MAC table entries on the node
 * @param lastHeartbeat RFC 3339 time of the agent's last report; stale reports count as not ready
 * @param conditions {@code Ready} (metav1.Condition shape): True when every network the node serves
 *     is ready (reason {@code NetworksReady}), False naming the ones that are not ({@code
 *     NetworksNotReady}); the {@code kubectl get vdenodes} Ready column; and {@code
 *     AttachmentsHealthy}: {@code False} while attachments kept across an agent restart are not on
 *     their switch (their re-attach failed and is retried with backoff), the message naming how
 *     many and the first pods; {@code lastTransitionTime} only changes on a flip
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VdeNodeStatus(
    List<NodeNetwork> networks,
    @Min(0) Integer attachments,
    List<NodeAttachment> attachmentList,
    List<NodeLinkPath> links,
    @Min(0) Integer macTableSize,
    String lastHeartbeat,
    List<Condition> conditions) {

  /** The condition type reporting attachments whose re-attach fails. */
  public static final String ATTACHMENTS_HEALTHY = "AttachmentsHealthy";

  /** A status without conditions (as before {@code conditions} existed). */
  public VdeNodeStatus(
      List<NodeNetwork> networks,
      Integer attachments,
      List<NodeAttachment> attachmentList,
      List<NodeLinkPath> links,
      Integer macTableSize,
      String lastHeartbeat) {
    this(networks, attachments, attachmentList, links, macTableSize, lastHeartbeat, null);
  }
}
