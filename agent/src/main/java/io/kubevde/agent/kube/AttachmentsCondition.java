package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.kubevde.agent.attach.SwitchingAttachmentHandler.Unattached;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The VdeNode condition {@code AttachmentsHealthy} (metav1.Condition shape): {@code True}/{@code
 * AllAttached} when every kept attachment is on its switch; {@code False}/{@code ReattachFailing}
 * while some are not (after an agent restart their tap could not be re-opened or their netns could
 * not be checked; retried with backoff), the message naming how many, the first {@link #NAMED} pods
 * with their interface and the last error of the first. Messages hold no counters that change by
 * themselves, so the VdeNode is only rewritten when the set of failing attachments changes.
 */
public final class AttachmentsCondition {
  /** Pods named in the message at most. */
  public static final int NAMED = 3;

  private AttachmentsCondition() {}

  /**
   * @param unattached the failing attachments, in the order to name them
   * @param previous the condition written last, or null; its {@code lastTransitionTime} is kept
   *     while the status does not flip
   * @param now the time of a flip
   * @return the condition
   */
  public static Condition of(List<Unattached> unattached, Condition previous, Instant now) {
    String status = unattached.isEmpty() ? "True" : "False";
    String reason = unattached.isEmpty() ? "AllAttached" : "ReattachFailing";
    String message;
    if (unattached.isEmpty()) {
      message = "every attachment is on its network's switch";
    } else {
      StringBuilder m =
          new StringBuilder()
              .append(unattached.size())
              .append(" attachment(s) not on their switch, re-attach retried with backoff: ");
      for (int i = 0; i < Math.min(NAMED, unattached.size()); i++) {
        Unattached u = unattached.get(i);
        if (i > 0) m.append(", ");
        m.append(u.pod()).append(" (").append(u.key().ifName()).append(')');
      }
      if (unattached.size() > NAMED) m.append(", …");
      m.append("; first error: ").append(unattached.getFirst().error());
      message = m.length() > 1024 ? m.substring(0, 1021) + "…" : m.toString();
    }
    String since =
        previous != null && Objects.equals(previous.getStatus(), status)
            ? previous.getLastTransitionTime()
            : now.toString();
    return new ConditionBuilder()
        .withType(VdeNodeStatus.ATTACHMENTS_HEALTHY)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(since)
        .build();
  }
}
