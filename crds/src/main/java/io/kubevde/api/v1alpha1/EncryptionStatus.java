package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * Key state of a sealed {@link VdeNetwork} ({@code status.encryption}), written by the operator.
 *
 * @param secret {@code namespace/name} of the Secret holding the key file the agents read
 * @param keyId id (0..255) of the key senders currently seal with
 * @param lastRotation when that key became current (RFC 3339)
 * @param phase rotation phase: {@code Stable} (one key), {@code Adding} (new key accepted, not yet
 *     used), {@code Retiring} (new key used, old one still accepted)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record EncryptionStatus(
    @JsonPropertyDescription("namespace/name of the Secret with the network key") String secret,
    @JsonPropertyDescription("Id of the key senders seal with") Integer keyId,
    @JsonPropertyDescription("When the current key became current (RFC 3339)") String lastRotation,
    @JsonPropertyDescription("Rotation phase: Stable, Adding or Retiring") String phase) {}
