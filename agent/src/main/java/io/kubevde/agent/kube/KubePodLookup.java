package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.agent.attach.ChainedAttachmentHandler;
import io.kubevde.cni.protocol.CniError;

/**
 * {@link ChainedAttachmentHandler.PodLookup} through the Kubernetes API: one {@code GET
 * pods/<name>} per chained ADD (RBAC: {@code pods get}). A missing pod or an API failure answers
 * CNI code 11 (try again later): the agent cannot tell whether the pod wanted networks, and the
 * kubelet retries the sandbox.
 */
public final class KubePodLookup implements ChainedAttachmentHandler.PodLookup {
  private final KubernetesClient client;

  /**
   * @param client the agent's client
   */
  public KubePodLookup(KubernetesClient client) {
    this.client = client;
  }

  @Override
  public String annotation(String namespace, String name, String annotation) {
    Pod pod;
    try {
      pod = client.pods().inNamespace(namespace).withName(name).get();
    } catch (KubernetesClientException e) {
      throw new CniError.Failure(
          new CniError(
              CniError.TRY_AGAIN_LATER,
              "cannot read pod " + namespace + "/" + name,
              String.valueOf(e.getMessage())));
    }
    if (pod == null)
      throw new CniError.Failure(
          CniError.TRY_AGAIN_LATER, "pod " + namespace + "/" + name + " not found");
    var ann = pod.getMetadata().getAnnotations();
    return ann == null ? null : ann.get(annotation);
  }
}
