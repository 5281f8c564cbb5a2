package io.kubevde.operator.network;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.model.NetworkAttachmentDefinition;
import java.time.Duration;
import java.time.Instant;

/**
 * Activation condition of {@link NadDependent}: NADs are published when (and only when) the Multus
 * NetworkAttachmentDefinition CRD is installed and Multus integration is on. The CRD read is cached
 * for 10 s so 50 reconciles do not mean 50 CRD reads, and is repeated for the operator's life
 * (Multus may be installed later). JOSDK registers the NAD informer when this first holds (before
 * that the NAD kind does not exist).
 */
final class NadCrdPresent implements Condition<NetworkAttachmentDefinition, VdeNetwork> {
  private static final Duration RECHECK = Duration.ofSeconds(10);
  private final boolean enabled;
  private volatile Instant checkedAt = Instant.EPOCH;
  private volatile boolean present;

  /**
   * @param enabled false = Multus integration off: never look for or write NADs
   */
  NadCrdPresent(boolean enabled) {
    this.enabled = enabled;
  }

  @Override
  public boolean isMet(
      DependentResource<NetworkAttachmentDefinition, VdeNetwork> dependent,
      VdeNetwork primary,
      Context<VdeNetwork> ctx) {
    return present(ctx.getClient());
  }

  /**
   * @return whether NADs are published now
   */
  boolean present(KubernetesClient client) {
    if (!enabled) return false;
    Instant now = Instant.now();
    if (Duration.between(checkedAt, now).compareTo(RECHECK) > 0) {
      try {
        present =
            client.apiextensions().v1().customResourceDefinitions().withName(Names.NAD_CRD).get()
                != null;
      } catch (KubernetesClientException e) {
        present = false;
      }
      checkedAt = now;
    }
    return present;
  }
}
