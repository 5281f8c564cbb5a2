package io.kubevde.operator.runtime;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The agents' heartbeat Leases (coordination.k8s.io/v1, one per node in the operator namespace,
 * named {@code kubevde-node-<node>}, {@code holderIdentity} = node name, labelled {@link
 * #SELECTOR}; renewed every 10 s like kubelet's node leases). The operator judges an agent's
 * liveness from {@code spec.renewTime}.
 */
public final class AgentLeases {
  private AgentLeases() {}

  /** Label selector of the agents' Leases (the operator's leader Lease does not carry it). */
  public static final String SELECTOR = "app.kubernetes.io/managed-by=kubevde-agent";

  /**
   * @param leases the agents' Leases
   * @return node name ({@code holderIdentity}) to {@code renewTime}; Leases without either are left
   *     out
   */
  public static Map<String, Instant> renewals(Stream<Lease> leases) {
    Map<String, Instant> out = new HashMap<>();
    leases.forEach(
        l -> {
          Instant t = renewTime(l);
          if (t != null && l.getSpec().getHolderIdentity() != null)
            out.merge(l.getSpec().getHolderIdentity(), t, (a, b) -> a.isAfter(b) ? a : b);
        });
    return out;
  }

  /**
   * @return the Lease's node ({@code holderIdentity}), or null
   */
  public static String node(Lease l) {
    return l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }

  /**
   * A renewal matters to the networks only when it brings a silent agent back (a stale renewTime
   * becomes fresh); the loss of an agent is found by the reconcilers' rescheduling after the
   * heartbeat timeout.
   *
   * @param newer the Lease now
   * @param older the Lease before
   * @param timeout the heartbeat timeout
   * @return whether the update revives the agent
   */
  public static boolean revives(Lease newer, Lease older, Duration timeout) {
    Instant before = renewTime(older);
    Instant now = Instant.now();
    boolean wasFresh = before != null && Duration.between(before, now).compareTo(timeout) <= 0;
    return !wasFresh || !java.util.Objects.equals(node(newer), node(older));
  }

  private static Instant renewTime(Lease l) {
    ZonedDateTime t = l.getSpec() == null ? null : l.getSpec().getRenewTime();
    return t == null ? null : t.toInstant();
  }
}
