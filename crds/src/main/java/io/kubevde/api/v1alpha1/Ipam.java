package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;

/**
 * Address management of a {@link VdeNetwork} ({@code spec.ipam}).
 *
 * <p>Checks the schema cannot express (range inside the subnet, gateway inside the subnet, start ≤
 * end, block size vs subnet) are done by the operator and reported as the {@code InvalidIpam}
 * reason of the Ready condition.
 *
 * @param type host-local (per-node blocks, default) or none (pure L2)
 * @param subnet the network's subnet, CIDR ({@code 10.77.0.0/16}); required unless type is none
 * @param rangeStart first assignable address (default: subnet + 1, after the gateway)
 * @param rangeEnd last assignable address (default: last address before broadcast)
 * @param gateway gateway address given to pods (optional; no default route is ever added for it)
 * @param exclude CIDRs inside the subnet never assigned
 * @param nodeBlockPrefix prefix length of each node's block (default: subnet prefix + 8, at most
 *     /28 for IPv4)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "(has(self.type) && self.type == 'none') || has(self.subnet)",
    message = "subnet is required unless type is none")
public record Ipam(
    @JsonPropertyDescription(
            "host-local (one block of the subnet per node, default) or none (pure L2)")
        IpamType type,
    @JsonPropertyDescription("Subnet in CIDR form, e.g. 10.77.0.0/16") @Pattern(Patterns.CIDR)
        String subnet,
    @JsonPropertyDescription("First assignable address") @Pattern(Patterns.IP) String rangeStart,
    @JsonPropertyDescription("Last assignable address") @Pattern(Patterns.IP) String rangeEnd,
    @JsonPropertyDescription("Gateway address handed to pods") @Pattern(Patterns.IP) String gateway,
    @JsonPropertyDescription("CIDRs inside the subnet that are never assigned") @Size(max = 64)
        List<@Pattern(Patterns.CIDR) String> exclude,
    @JsonPropertyDescription("Prefix length of each node's block of the subnet") @Min(1) @Max(128)
        Integer nodeBlockPrefix) {

  /**
   * @return the effective type ({@link IpamType#HOST_LOCAL} when unset)
   */
  public IpamType effectiveType() {
    return type == null ? IpamType.HOST_LOCAL : type;
  }
}
