package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Min;
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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VdeNodeStatus(
    List<NodeNetwork> networks,
    @Min(0) Integer attachments,
    List<NodeAttachment> attachmentList,
    List<NodeLinkPath> links,
    @Min(0) Integer macTableSize,
    String lastHeartbeat) {}
