package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * One VdeLink path running on a node ({@code VdeNode.status.links[]}).
 *
 * @param namespace the VdeLink's namespace
 * @param link the VdeLink's name
 * @param path path name
 * @param state Up, Down, Refused or Unknown
 * @param since RFC 3339 time of the last state change
 * @param rxFrames frames received
 * @param txFrames frames sent
 * @param rxBytes bytes received
 * @param txBytes bytes sent
 * @param message why the path is not up when the agent knows (e.g. the link policy's refusal), or
 *     null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record NodeLinkPath(
    String namespace,
    String link,
    String path,
    PathState state,
    String since,
    Long rxFrames,
    Long txFrames,
    Long rxBytes,
    Long txBytes,
    String message) {

  /** A path report without message. */
  public NodeLinkPath(
      String namespace,
      String link,
      String path,
      PathState state,
      String since,
      Long rxFrames,
      Long txFrames,
      Long rxBytes,
      Long txBytes) {
    this(namespace, link, path, state, since, rxFrames, txFrames, rxBytes, txBytes, null);
  }
}
