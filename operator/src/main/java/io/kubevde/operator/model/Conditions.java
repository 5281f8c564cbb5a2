package io.kubevde.operator.model;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * metav1.Condition helpers (k8s-conventions.md §8): {@code lastTransitionTime} changes only when
 * {@code status} flips; {@code observedGeneration} is the generation the condition was computed
 * from.
 */
public final class Conditions {
  private Conditions() {}

  /** Condition type: the object is accepted and its configuration published. */
  public static final String READY = "Ready";

  /**
   * Condition type: the object runs, but not everywhere or not fully (nodes not ready, blocks
   * exhausted…).
   */
  public static final String DEGRADED = "Degraded";

  /**
   * @param previous the current conditions (may be null)
   * @param type condition type
   * @param status true/false
   * @param reason CamelCase reason
   * @param message human text
   * @param generation metadata.generation the decision was made from
   * @param now the clock
   * @return a new list with the condition set (others kept)
   */
  public static List<Condition> set(
      List<Condition> previous,
      String type,
      boolean status,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String s = status ? "True" : "False";
    Optional<Condition> old = find(previous, type);
    String transition =
        old.filter(c -> s.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .orElse(now.truncatedTo(ChronoUnit.SECONDS).toString());
    Condition c =
        new ConditionBuilder()
            .withType(type)
            .withStatus(s)
            .withReason(reason)
            .withMessage(message == null ? "" : message)
            .withObservedGeneration(generation)
            .withLastTransitionTime(transition)
            .build();
    List<Condition> out = new ArrayList<>();
    if (previous != null) for (Condition p : previous) if (!type.equals(p.getType())) out.add(p);
    out.add(c);
    out.sort(java.util.Comparator.comparing(Condition::getType));
    return out;
  }

  /**
   * @return the condition of that type, if present
   */
  public static Optional<Condition> find(List<Condition> conditions, String type) {
    if (conditions == null) return Optional.empty();
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  /**
   * @return true if the condition of that type is present with status True
   */
  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> "True".equals(c.getStatus())).orElse(false);
  }

  /**
   * @return "status/reason" of the condition, or "" (to detect transitions worth an Event)
   */
  public static String signature(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> c.getStatus() + "/" + c.getReason()).orElse("");
  }
}
