package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * One named path of a {@link VdeLink}.
 *
 * @param name path name, a DNS label, unique in the link
 * @param vnl the far end as a VNL (vde-protocols.md §1): {@code udp://…}, {@code vxvde://…}, {@code
 *     vde:///path}, {@code cmd://ssh host vde_plug …}, or {@code vdenetwork://<namespace>/<name>}
 *     for another VdeNetwork
 */
public record LinkPath(
    @Required @Pattern(Patterns.DNS_LABEL) @Size(max = 63) String name,
    @Required
        @Pattern(Patterns.VNL)
        @Size(max = 4096)
        @JsonPropertyDescription("The far end as a VNL")
        String vnl) {}
