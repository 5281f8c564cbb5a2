package io.kubevde.agent.model;

import java.util.Map;

/**
 * A validated ADD/DEL/CHECK request as the handler sees it.
 *
 * @param conf the parsed network configuration
 * @param containerId CNI_CONTAINERID
 * @param netns CNI_NETNS ({@code ""} when the runtime gave none: DEL only)
 * @param ifName CNI_IFNAME
 * @param args CNI_ARGS (K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_UID, … when from Kubernetes)
 * @param cniPath CNI_PATH (where a delegated IPAM plugin is looked up; {@code ""} when unknown)
 */
public record AttachRequest(
    NetConf conf,
    String containerId,
    String netns,
    String ifName,
    Map<String, String> args,
    String cniPath) {
  /** A request without CNI_PATH (built by the agent). */
  public AttachRequest(
      NetConf conf, String containerId, String netns, String ifName, Map<String, String> args) {
    this(conf, containerId, netns, ifName, args, "");
  }

  /** The state key of this attachment. */
  public AttachmentKey key() {
    return new AttachmentKey(conf.name(), containerId, ifName);
  }
}
