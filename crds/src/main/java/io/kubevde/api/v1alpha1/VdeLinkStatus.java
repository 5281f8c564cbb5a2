package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;

/**
 * Observed state of a {@link VdeLink}.
 *
 * @param observedGeneration metadata.generation the status was computed from
 * @param conditions Ready, Degraded
 * @param paths per-path, per-node state
 * @param pathsUp {@code up/total} for printing
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VdeLinkStatus(
    Long observedGeneration, List<Condition> conditions, List<PathStatus> paths, String pathsUp) {}
