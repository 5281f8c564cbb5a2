package io.kubevde.api.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.kubevde.api.v1alpha1.NodeRange;
import java.util.List;
import java.util.Map;

/**
 * One more subnet of a dual-stack network in {@code network.json} ({@link
 * AgentNetworkConfig#subnets}): the other address family's subnet, with its own settings and
 * per-node blocks; the first subnet stays in {@link AgentNetworkConfig}'s own fields.
 *
 * @param subnet the subnet (CIDR)
 * @param gateway its gateway address, or null
 * @param exclude excluded addresses/CIDRs (null = none)
 * @param rangeStart first address of the range node blocks are cut from, or null (default)
 * @param rangeEnd last address of that range, or null (default)
 * @param nodeRanges per-node blocks of this subnet, by node name (null = none)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentSubnet(
    String subnet,
    String gateway,
    List<String> exclude,
    String rangeStart,
    String rangeEnd,
    Map<String, NodeRange> nodeRanges) {
  /** Null collections read as empty ones. */
  public AgentSubnet {
    exclude = exclude == null ? List.of() : exclude;
    nodeRanges = nodeRanges == null ? Map.of() : nodeRanges;
  }
}
