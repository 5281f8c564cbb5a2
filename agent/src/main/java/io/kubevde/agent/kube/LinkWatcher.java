package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevde.agent.dataplane.LinkManager;
import io.kubevde.agent.model.LinkSpec;
import io.kubevde.api.v1alpha1.LinkPath;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeLinkSpec;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Informer on VdeLinks (all namespaces): a link runs on this node when its {@code spec.node} is
 * this node, its {@code spec.nodeSelector} matches this Node's labels, or it names neither (every
 * node of the network). Edits are applied as path diffs by {@link LinkManager} (the hand-off).
 */
public final class LinkWatcher implements AutoCloseable {
  private final KubernetesClient client;
  private final LinkManager links;
  private final String nodeName;
  private SharedIndexInformer<VdeLink> informer;

  /**
   * @param client the API client
   * @param links where links are applied
   * @param nodeName this node
   */
  public LinkWatcher(KubernetesClient client, LinkManager links, String nodeName) {
    this.client = client;
    this.links = links;
    this.nodeName = nodeName;
  }

  /** Starts the informer (returns at once; see {@link #synced}). */
  public void start() {
    informer = client.resources(VdeLink.class).inAnyNamespace().runnableInformer(60_000);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(VdeLink l) {
            applied(l);
          }

          @Override
          public void onUpdate(VdeLink o, VdeLink l) {
            applied(l);
          }

          @Override
          public void onDelete(VdeLink l, boolean unknownFinalState) {
            links.remove(l.getMetadata().getNamespace() + "/" + l.getMetadata().getName());
          }
        });
    Informers.startRetrying(informer, "VdeLinks");
  }

  /** Whether the initial list has been delivered. */
  public boolean synced() {
    return informer != null && informer.hasSynced();
  }

  private void applied(VdeLink l) {
    String key = l.getMetadata().getNamespace() + "/" + l.getMetadata().getName();
    VdeLinkSpec s = l.getSpec();
    if (s == null || s.paths() == null || !runsHere(s)) {
      links.remove(key);
      return;
    }
    List<LinkSpec.Path> paths =
        s.paths().stream().map((LinkPath p) -> new LinkSpec.Path(p.name(), p.vnl())).toList();
    links.apply(
        new LinkSpec(
            l.getMetadata().getNamespace(),
            l.getMetadata().getName(),
            s.network(),
            s.effectiveMode().name().toLowerCase(Locale.ROOT),
            paths,
            s.effectiveFailback()));
  }

  private boolean runsHere(VdeLinkSpec s) {
    if (s.node() != null) return s.node().equals(nodeName);
    if (s.nodeSelector() == null || s.nodeSelector().isEmpty()) return true;
    try {
      Node node = client.nodes().withName(nodeName).get();
      Map<String, String> labels =
          node == null || node.getMetadata().getLabels() == null
              ? Map.of()
              : node.getMetadata().getLabels();
      return s.nodeSelector().entrySet().stream()
          .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    } catch (KubernetesClientException e) {
      return false;
    }
  }

  @Override
  public void close() {
    if (informer != null) informer.close();
  }
}
