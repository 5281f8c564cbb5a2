package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * State of one path of a {@link VdeLink} on one node, aggregated from {@link VdeNode} reports.
 *
 * @param name path name
 * @param node node running it
 * @param state Up, Down or Unknown
 * @param since RFC 3339 time of the last state change
 * @param rxFrames frames received from the far end
 * @param txFrames frames sent to the far end
 * @param rxBytes bytes received
 * @param txBytes bytes sent
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record PathStatus(String name, String node, PathState state, String since, Long rxFrames, Long txFrames,
    Long rxBytes, Long txBytes) {}
