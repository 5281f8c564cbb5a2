package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * One subnet of {@code spec.ipam.subnets} (dual-stack: at most one IPv4 and one IPv6 subnet); the
 * same settings as the single-subnet fields of {@link Ipam}, each subnet split into node blocks of
 * its own.
 *
 * @param subnet the subnet, CIDR
 * @param rangeStart first assignable address (default: subnet + 1)
 * @param rangeEnd last assignable address (default: the last, IPv4: before broadcast)
 * @param gateway gateway address handed to pods, or null
 * @param exclude CIDRs inside the subnet never assigned
 * @param nodeBlockPrefix prefix length of each node's block (default: subnet prefix + 4, at most
 *     /28 for IPv4, /124 for IPv6)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IpamSubnet(
    @Required
        @JsonPropertyDescription("Subnet in CIDR form, e.g. fd77::/64")
        @Pattern(Patterns.CIDR)
        String subnet,
    @JsonPropertyDescription("First assignable address") @Pattern(Patterns.IP) String rangeStart,
    @JsonPropertyDescription("Last assignable address") @Pattern(Patterns.IP) String rangeEnd,
    @JsonPropertyDescription("Gateway address handed to pods") @Pattern(Patterns.IP) String gateway,
    @JsonPropertyDescription("CIDRs inside the subnet that are never assigned") @Size(max = 64)
        List<@Pattern(Patterns.CIDR) String> exclude,
    @JsonPropertyDescription("Prefix length of each node's block of the subnet") @Min(1) @Max(128)
        Integer nodeBlockPrefix) {

  /**
   * @param type the network's IPAM type
   * @return this subnet as a single-subnet {@link Ipam} (what the operator's planner works on)
   */
  public Ipam asIpam(IpamType type) {
    return new Ipam(type, subnet, rangeStart, rangeEnd, gateway, exclude, nodeBlockPrefix);
  }
}
