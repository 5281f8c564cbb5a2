package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * A route every pod of the network gets on its interface ({@code spec.ipam.routes}), as CNI's
 * {@code ipam.routes}.
 *
 * @param dst destination, CIDR
 * @param gw next hop, or null for the gateway of {@code dst}'s address family (none: on-link)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IpamRoute(
    @Required @JsonPropertyDescription("Destination CIDR") @Pattern(Patterns.CIDR) String dst,
    @JsonPropertyDescription("Next hop; default the gateway of dst's family") @Pattern(Patterns.IP)
        String gw) {}
