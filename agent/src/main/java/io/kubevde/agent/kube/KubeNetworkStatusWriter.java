package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubevde.agent.attach.ChainedAttachmentHandler;
import io.kubevde.agent.attach.NetworkStatus;
import io.kubevde.cni.protocol.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * {@link ChainedAttachmentHandler.StatusWriter} through the Kubernetes API: {@code GET
 * pods/<name>}, the update applied to the annotation's value, then a JSON merge patch of that one
 * annotation carrying the pod's {@code metadata.resourceVersion}, so the API server refuses it
 * (409) when someone changed the pod meanwhile; then read and apply again, up to {@value #ATTEMPTS}
 * times. Other annotations and other writers' entries are never lost. RBAC: {@code pods get,
 * patch}.
 */
public final class KubeNetworkStatusWriter implements ChainedAttachmentHandler.StatusWriter {
  /** Attempts before giving up on conflicts. */
  static final int ATTEMPTS = 8;

  private final KubernetesClient client;

  /**
   * @param client the agent's client
   */
  public KubeNetworkStatusWriter(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public void update(String namespace, String name, UnaryOperator<String> update) {
    var pod = client.pods().inNamespace(namespace).withName(name);
    for (int attempt = 1; ; attempt++) {
      Pod p = pod.get();
      if (p == null) return; // DEL after the pod went: nothing to write on
      Map<String, String> ann = p.getMetadata().getAnnotations();
      String cur = ann == null ? null : ann.get(NetworkStatus.ANNOTATION);
      String next = update.apply(cur);
      if (java.util.Objects.equals(cur, next)) return;
      Map<String, Object> annotations = new LinkedHashMap<>();
      annotations.put(NetworkStatus.ANNOTATION, next); // null: removed by the merge patch
      Map<String, Object> meta = new LinkedHashMap<>();
      meta.put("resourceVersion", p.getMetadata().getResourceVersion());
      meta.put("annotations", annotations);
      try {
        pod.patch(PatchContext.of(PatchType.JSON_MERGE), Json.write(Map.of("metadata", meta)));
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() == 404) return;
        if (e.getCode() != 409 || attempt >= ATTEMPTS) throw e;
      }
    }
  }
}
