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
 * @param subnets more subnets (dual-stack: the other address family; at most one subnet per family
 *     in all), each with its own range, gateway, exclusions and node blocks; when {@code subnet} is
 *     absent the first entry is the primary subnet (the constructor moves it into the single-subnet
 *     fields, so readers see the primary there and only the others in {@code subnets})
 * @param routes routes every pod gets (via the gateway of the destination's family unless {@code
 *     gw} is given)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "(has(self.type) && self.type == 'none') || has(self.subnet)"
            + " || (has(self.subnets) && size(self.subnets) > 0)",
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
        Integer nodeBlockPrefix,
    @JsonPropertyDescription(
            "More subnets (dual-stack: one per address family); the first is the primary when"
                + " subnet is absent")
        @Size(max = 2)
        List<IpamSubnet> subnets,
    @JsonPropertyDescription("Routes every pod gets") @Size(max = 32) List<IpamRoute> routes) {

  /**
   * Moves the first of {@code subnets} into the single-subnet fields when {@code subnet} is absent.
   */
  public Ipam {
    if (subnet == null && subnets != null && !subnets.isEmpty()) {
      IpamSubnet first = subnets.getFirst();
      subnet = first.subnet();
      rangeStart = first.rangeStart();
      rangeEnd = first.rangeEnd();
      gateway = first.gateway();
      exclude = first.exclude();
      nodeBlockPrefix = first.nodeBlockPrefix();
      subnets = List.copyOf(subnets.subList(1, subnets.size()));
    }
    if (subnets != null && subnets.isEmpty()) subnets = null;
  }

  /** A single-subnet IPAM without routes. */
  public Ipam(
      IpamType type,
      String subnet,
      String rangeStart,
      String rangeEnd,
      String gateway,
      List<String> exclude,
      Integer nodeBlockPrefix) {
    this(type, subnet, rangeStart, rangeEnd, gateway, exclude, nodeBlockPrefix, null, null);
  }

  /**
   * @return the subnets after the primary ({@code subnets}, never null)
   */
  public List<IpamSubnet> additionalSubnets() {
    return subnets == null ? List.of() : subnets;
  }

  /**
   * @return the routes (never null)
   */
  public List<IpamRoute> effectiveRoutes() {
    return routes == null ? List.of() : routes;
  }

  /**
   * @return the effective type ({@link IpamType#HOST_LOCAL} when unset)
   */
  public IpamType effectiveType() {
    return type == null ? IpamType.HOST_LOCAL : type;
  }
}
