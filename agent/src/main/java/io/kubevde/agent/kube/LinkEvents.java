package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.agent.dataplane.LinkManager;
import io.kubevde.api.v1alpha1.VdeLink;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events for VdeLink path transitions (k8s-conventions.md §8): {@code Normal LinkUp}
 * when a path comes up on this node, {@code Warning LinkDown} when it goes down; emitted on
 * transitions only (compared with the previous heartbeat), as core/v1 Events regarding the VdeLink,
 * source component {@code kubevde-agent}, host = node; and {@code Warning LinkRefused} (message:
 * the link policy's reason) when the agent refuses to open a path.
 */
public final class LinkEvents {
  private static final Logger LOG = LoggerFactory.getLogger(LinkEvents.class);
  private final KubernetesClient client;
  private final String nodeName;
  private final Map<String, Boolean> last = new HashMap<>();
  private final Map<String, String> lastRefused = new HashMap<>();

  /**
   * @param client the API client
   * @param nodeName this node (reporting instance)
   */
  public LinkEvents(KubernetesClient client, String nodeName) {
    this.client = client;
    this.nodeName = nodeName;
  }

  /**
   * Emits an Event for every path whose state differs from the last call (a new path counts when it
   * is up).
   */
  public synchronized void observe(List<LinkManager.PathState> paths) {
    Map<String, Boolean> now = new HashMap<>();
    for (LinkManager.PathState p : paths) {
      String k = p.namespace() + "/" + p.link() + "/" + p.path();
      now.put(k, p.up());
      Boolean before = last.get(k);
      if (p.refused() != null) {
        if (!p.refused().equals(lastRefused.get(k)))
          emit(
              p,
              "Warning",
              "LinkRefused",
              "path " + p.path() + " refused on node " + nodeName + ": " + p.refused());
        continue;
      }
      if (before == null ? p.up() : before != p.up()) emit(p);
    }
    Map<String, String> refusedNow = new HashMap<>();
    for (LinkManager.PathState p : paths) {
      if (p.refused() != null)
        refusedNow.put(p.namespace() + "/" + p.link() + "/" + p.path(), p.refused());
    }
    last.clear();
    last.putAll(now);
    lastRefused.clear();
    lastRefused.putAll(refusedNow);
  }

  private void emit(LinkManager.PathState p) {
    emit(
        p,
        p.up() ? "Normal" : "Warning",
        p.up() ? "LinkUp" : "LinkDown",
        "path " + p.path() + " is " + (p.up() ? "up" : "down") + " on node " + nodeName);
  }

  private void emit(LinkManager.PathState p, String type, String reason, String message) {
    String ts = Instant.now().toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(p.namespace())
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withNamespace(p.namespace())
                  .withName(p.link() + "." + UUID.randomUUID().toString().substring(0, 8))
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion("kubevde.io/v1alpha1")
                  .withKind(VdeLink.KIND)
                  .withNamespace(p.namespace())
                  .withName(p.link())
                  .endInvolvedObject()
                  .withType(type)
                  .withReason(reason)
                  .withMessage(message)
                  .withNewSource()
                  .withComponent("kubevde-agent")
                  .withHost(nodeName)
                  .endSource()
                  .withReportingComponent("kubevde.io/agent")
                  .withReportingInstance(nodeName)
                  .withFirstTimestamp(ts)
                  .withLastTimestamp(ts)
                  .withCount(1)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.debug("event for " + p.link() + ": " + e.getMessage());
    }
  }
}
