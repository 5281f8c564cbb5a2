package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Required;

/**
 * One network served by a node agent ({@code VdeNode.status.networks[]}).
 *
 * @param namespace the VdeNetwork's namespace
 * @param name the VdeNetwork's name
 * @param ready whether the node's switch and uplink for the network are up
 * @param attachments pod attachments on this node
 * @param macTableSize entries in the node's MAC table for the network
 * @param message why the network is not ready on this node (e.g. the uplink cannot open: port in
 *     use), or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeNetwork(
    @Required String namespace,
    @Required String name,
    Boolean ready,
    @Min(0) Integer attachments,
    @Min(0) Integer macTableSize,
    @JsonPropertyDescription(
            "why the network is not ready on this node, e.g. its uplink cannot open")
        String message) {
  /** A report without a message (a ready network, or older agents). */
  public NodeNetwork(
      String namespace, String name, Boolean ready, Integer attachments, Integer macTableSize) {
    this(namespace, name, ready, attachments, macTableSize, null);
  }
}
