package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.generator.annotation.Pattern;

/**
 * One pod attachment on a node ({@code VdeNode.status.attachmentList[]}).
 *
 * @param network {@code <namespace>/<name>} of the VdeNetwork
 * @param pod {@code <namespace>/<name>} of the pod
 * @param containerId CNI_CONTAINERID
 * @param ifname interface name inside the pod
 * @param mac the interface's MAC address
 * @param ip the interface's address, CIDR
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeAttachment(
    String network,
    String pod,
    String containerId,
    String ifname,
    @Pattern(Patterns.MAC) String mac,
    @Pattern(Patterns.CIDR) String ip) {}
