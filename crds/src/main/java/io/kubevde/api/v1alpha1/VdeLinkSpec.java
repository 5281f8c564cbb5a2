package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.List;
import java.util.Map;

/**
 * Desired state of a {@link VdeLink} (architecture.md §4). CEL rules: node and nodeSelector are
 * exclusive, path names are unique. A hand-off is an edit: add the new path, wait until it is Up,
 * remove the old one; with {@code multi} no frame is lost.
 *
 * @param network name of the VdeNetwork (same namespace) the link attaches to
 * @param node the node that runs the link (exclusive with nodeSelector)
 * @param nodeSelector labels of the nodes that run the link
 * @param mode single (default), multi or bonding
 * @param paths the far ends, 1..16 named VNLs
 * @param failback {@code single}: go back to the first path once it works again after a fail-over
 *     to a later one (default true)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "!(has(self.node) && has(self.nodeSelector))",
    message = "node and nodeSelector are mutually exclusive")
@ValidationRule(
    value = "self.paths.all(p, self.paths.filter(q, q.name == p.name).size() == 1)",
    message = "path names must be unique")
public record VdeLinkSpec(
    @Required
        @Pattern(Patterns.DNS_LABEL)
        @JsonPropertyDescription("VdeNetwork in the same namespace")
        String network,
    @Pattern(Patterns.DNS_SUBDOMAIN) @JsonPropertyDescription("Node running the link") String node,
    @JsonPropertyDescription("Labels of the nodes running the link")
        Map<String, String> nodeSelector,
    @JsonPropertyDescription("single (default), multi or bonding") LinkMode mode,
    @Required @Size(min = 1, max = 16) List<LinkPath> paths,
    @JsonPropertyDescription(
            "single: return to the first path when it works again after a fail-over (default true)")
        Boolean failback) {

  /** A spec without {@code failback} (the default, true). */
  public VdeLinkSpec(
      String network,
      String node,
      Map<String, String> nodeSelector,
      LinkMode mode,
      List<LinkPath> paths) {
    this(network, node, nodeSelector, mode, paths, null);
  }

  /**
   * @return whether a {@code single} link returns to its first path, true when unset
   */
  public boolean effectiveFailback() {
    return failback == null || failback;
  }

  /**
   * @return the mode, {@link LinkMode#SINGLE} when unset
   */
  public LinkMode effectiveMode() {
    return mode == null ? LinkMode.SINGLE : mode;
  }
}
