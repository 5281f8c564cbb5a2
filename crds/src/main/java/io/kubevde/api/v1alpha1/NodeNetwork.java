package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
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
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeNetwork(@Required String namespace, @Required String name, Boolean ready,
    @Min(0) Integer attachments, @Min(0) Integer macTableSize) {}
