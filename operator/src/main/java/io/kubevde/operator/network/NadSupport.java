package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.operator.model.Names;
import java.time.Duration;
import java.time.Instant;

/**
 * Writes Multus NetworkAttachmentDefinitions when (and only when) their CRD is installed; the presence check is
 * cached for a few seconds so 50 reconciles do not mean 50 CRD reads.
 */
final class NadSupport {
  private static final Duration RECHECK = Duration.ofSeconds(10);
  private volatile Instant checkedAt = Instant.EPOCH;
  private volatile boolean present;
  private final boolean enabled;

  /** @param enabled false = Multus integration off: never look for or write NADs */
  NadSupport(boolean enabled) {
    this.enabled = enabled;
  }

  boolean present(KubernetesClient client) {
    if (!enabled) return false;
    Instant now = Instant.now();
    if (Duration.between(checkedAt, now).compareTo(RECHECK) > 0) {
      try {
        present = client.apiextensions().v1().customResourceDefinitions().withName(Names.NAD_CRD).get() != null;
      } catch (KubernetesClientException e) {
        present = false;
      }
      checkedAt = now;
    }
    return present;
  }

  void apply(KubernetesClient client, GenericKubernetesResource nad) {
    client.genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition")
        .inNamespace(nad.getMetadata().getNamespace()).resource(nad).fieldManager(Names.MANAGER).forceConflicts()
        .serverSideApply();
  }

  void delete(KubernetesClient client, String namespace, String name) {
    if (!present(client)) return;
    client.genericKubernetesResources("k8s.cni.cncf.io/v1", "NetworkAttachmentDefinition").inNamespace(namespace)
        .withName(name).delete();
  }
}
