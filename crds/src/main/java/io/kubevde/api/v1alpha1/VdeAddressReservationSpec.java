package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * What a {@link VdeAddressReservation} holds: which address of which network, and the attachment
 * that uses it. {@code containerId} + {@code ifName} identify the attachment (a repeated ADD of the
 * same attachment finds its own reservation and goes on); the pod coordinates let anyone tell
 * whether the holder still exists (pod gone, or a pod of that name with another uid = orphan).
 *
 * @param network the VdeNetwork's name (the object lives in the network's namespace)
 * @param address the reserved address (canonical text, no prefix length)
 * @param podNamespace namespace of the pod holding it, or null when unknown
 * @param podName name of that pod, or null when unknown
 * @param podUid uid of that pod, or null when unknown
 * @param node the node whose agent made the reservation
 * @param containerId the CNI container id of the attachment
 * @param ifName the interface name of the attachment in the pod
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VdeAddressReservationSpec(
    @Required
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @Size(max = 253)
        @JsonPropertyDescription("Name of the VdeNetwork (in this object's namespace)")
        String network,
    @Required @Pattern(Patterns.IP) @JsonPropertyDescription("The reserved address") String address,
    @Pattern(Patterns.DNS_LABEL) @Size(max = 63) @JsonPropertyDescription("Namespace of the pod")
        String podNamespace,
    @Pattern(Patterns.DNS_SUBDOMAIN) @Size(max = 253) @JsonPropertyDescription("Name of the pod")
        String podName,
    @Size(max = 128) @JsonPropertyDescription("UID of the pod") String podUid,
    @Required
        @Pattern(Patterns.DNS_SUBDOMAIN)
        @Size(max = 253)
        @JsonPropertyDescription("Node whose agent made the reservation")
        String node,
    @Required
        @Size(min = 1, max = 256)
        @JsonPropertyDescription("CNI container id of the attachment")
        String containerId,
    @Required
        @Size(min = 1, max = 15)
        @JsonPropertyDescription("Interface name of the attachment in the pod")
        String ifName) {

  /**
   * Whether {@code other} describes the same attachment (container id and interface name).
   *
   * @param other another spec, may be null
   * @return true when both name the same attachment
   */
  public boolean sameAttachment(VdeAddressReservationSpec other) {
    return other != null
        && containerId.equals(other.containerId())
        && ifName.equals(other.ifName());
  }

  /**
   * @return {@code ns/name} of the holder pod, or {@code container <id>} without pod coordinates
   */
  public String holder() {
    return podName == null
        ? "container " + containerId
        : (podNamespace == null ? "" : podNamespace + "/") + podName;
  }
}
