package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/**
 * Identity of a node agent, written by the agent when it starts.
 *
 * @param address the node's underlay address used by vxvde (peers of vxvde-unicast networks)
 * @param agentVersion version of the agent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VdeNodeSpec(
    @Pattern(Patterns.IP) @JsonPropertyDescription("Underlay address of the node") String address,
    String agentVersion) {}
