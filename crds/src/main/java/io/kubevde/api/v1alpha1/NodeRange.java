package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * One node's block of a {@link VdeNetwork}'s subnet (status.nodeRanges): the node's agent assigns
 * pod addresses from {@code rangeStart..rangeEnd} only. Blocks are allocated once and kept while
 * the node is selected.
 *
 * @param node node name
 * @param cidr the block, CIDR
 * @param rangeStart first assignable address of the block (after exclusions, gateway and the
 *     subnet's range)
 * @param rangeEnd last assignable address of the block
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeRange(
    @Required String node,
    @Required @Pattern(Patterns.CIDR) String cidr,
    @Pattern(Patterns.IP) String rangeStart,
    @Pattern(Patterns.IP) String rangeEnd) {}
