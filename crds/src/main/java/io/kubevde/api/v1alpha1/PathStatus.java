package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * State of one path of a {@link VdeLink} on one node, aggregated from {@link VdeNode} reports.
 *
 * @param name path name
 * @param node node running it
 * @param state Up, Down, Refused or Unknown
 * @param since RFC 3339 time of the last state change
 * @param rxFrames frames received from the far end
 * @param txFrames frames sent to the far end
 * @param rxBytes bytes received
 * @param txBytes bytes sent
 * @param message the node's reason when the path is not up (e.g. the link policy's refusal), or
 *     null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PathStatus(
    String name,
    String node,
    PathState state,
    String since,
    Long rxFrames,
    Long txFrames,
    Long rxBytes,
    Long txBytes,
    String message) {

  /** A path status without message. */
  public PathStatus(
      String name,
      String node,
      PathState state,
      String since,
      Long rxFrames,
      Long txFrames,
      Long rxBytes,
      Long txBytes) {
    this(name, node, state, since, rxFrames, txFrames, rxBytes, txBytes, null);
  }
}
