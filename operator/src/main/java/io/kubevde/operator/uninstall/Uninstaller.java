package io.kubevde.operator.uninstall;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.model.Names;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes every kubevde object from a cluster before the chart's objects go ({@code helm
 * uninstall}'s pre-delete hook runs {@code operator.jar cleanup}), in an order that lets the
 * running operator and agents finish their work:
 *
 * <ol>
 *   <li>VdeLinks (all namespaces; the agents close their paths), then VdeNetworks (all namespaces):
 *       the operator's finalizer removes each network's agent ConfigMap, NAD and key Secret and
 *       releases its allocation. A network that pods still use stays ({@code DeletionBlocked}):
 *       after {@link Plan#timeout()} the uninstall fails naming those networks — or, with {@link
 *       Plan#force()}, their finalizers are removed and the operator's objects deleted here;
 *   <li>the agent DaemonSet(s) (label selector {@link Plan#agentSelector()}), and waits until their
 *       pods are gone (an agent would re-create its VdeNode and Lease);
 *   <li>the operator Deployment is scaled to 0 and its pods awaited (it would renew its Lease);
 *   <li>the agents' heartbeat Leases, the operator's leader Lease and every VdeNode.
 * </ol>
 *
 * What stays on the nodes (state directories, pods' taps) is listed in charts/kubevde/README.md.
 */
public final class Uninstaller {
  private static final Logger LOG = LoggerFactory.getLogger(Uninstaller.class);
  private static final Duration POLL = Duration.ofMillis(500);

  /**
   * What to remove and how long to wait.
   *
   * @param namespace the release namespace (agent DaemonSet, operator, ConfigMaps, Secrets, Leases)
   * @param agentSelector label selector of the agent DaemonSet and its pods ({@code k=v,k=v})
   * @param operatorDeployment name of the operator Deployment (null or blank: none to stop)
   * @param operatorSelector label selector of the operator's pods
   * @param leaseName the operator's leader Lease
   * @param timeout how long to wait for each step
   * @param force after the timeout, remove finalizers of networks pods still use instead of failing
   */
  public record Plan(
      String namespace,
      String agentSelector,
      String operatorDeployment,
      String operatorSelector,
      String leaseName,
      Duration timeout,
      boolean force) {}

  /** The uninstall could not finish (a blocked network, a step that timed out). */
  public static final class UninstallException extends RuntimeException {
    UninstallException(String message) {
      super(message);
    }
  }

  private final KubernetesClient client;
  private final Plan plan;

  /**
   * @param client API client with the hook's permissions
   * @param plan what to remove
   */
  public Uninstaller(KubernetesClient client, Plan plan) {
    this.client = client;
    this.plan = plan;
  }

  /**
   * Runs every step.
   *
   * @throws UninstallException when networks are still in use after the timeout (without force) or
   *     a step does not finish in time
   */
  public void run() {
    deleteAll("VdeLinks", () -> client.resources(VdeLink.class).inAnyNamespace().list().getItems());
    deleteAll(
        "VdeNetworks", () -> client.resources(VdeNetwork.class).inAnyNamespace().list().getItems());
    if (!waitUntil(
        () -> client.resources(VdeNetwork.class).inAnyNamespace().list().getItems().isEmpty())) {
      List<VdeNetwork> left = client.resources(VdeNetwork.class).inAnyNamespace().list().getItems();
      String why = left.stream().map(Uninstaller::describe).collect(Collectors.joining("; "));
      if (!plan.force()) {
        throw new UninstallException(
            left.size()
                + " VdeNetwork(s) not deleted after "
                + plan.timeout().toSeconds()
                + " s: "
                + why
                + " (delete the pods that use them, or uninstall with cleanup.force=true)");
      }
      LOG.warn("forcing: removing the finalizers of {}", why);
      for (VdeNetwork n : left) removeFinalizers(n);
      deleteOperatorObjects();
    }
    LOG.info("VdeLinks and VdeNetworks deleted");
    var daemonSets =
        client.apps().daemonSets().inNamespace(plan.namespace()).withLabelSelector(selector());
    daemonSets.list().getItems().forEach(d -> LOG.info("deleting DaemonSet {}", name(d)));
    daemonSets.delete();
    awaitGone("agent pods", plan.agentSelector());
    if (plan.operatorDeployment() != null && !plan.operatorDeployment().isBlank()) {
      var dep =
          client
              .apps()
              .deployments()
              .inNamespace(plan.namespace())
              .withName(plan.operatorDeployment());
      if (dep.get() != null) {
        LOG.info("scaling Deployment {} to 0", plan.operatorDeployment());
        dep.scale(0);
      }
      awaitGone("operator pods", plan.operatorSelector());
    }
    var leases = client.leases().inNamespace(plan.namespace());
    leases.withLabel(Names.LABEL_MANAGED_BY, "kubevde-agent").delete();
    if (plan.leaseName() != null && !plan.leaseName().isBlank()) {
      leases.withName(plan.leaseName()).delete();
    }
    deleteAll("VdeNodes", () -> client.resources(VdeNode.class).list().getItems());
    if (!waitUntil(() -> client.resources(VdeNode.class).list().getItems().isEmpty())) {
      throw new UninstallException(
          "VdeNodes still present after " + plan.timeout().toSeconds() + " s");
    }
    LOG.info("kubevde objects removed");
  }

  private io.fabric8.kubernetes.api.model.LabelSelector selector() {
    var b = new io.fabric8.kubernetes.api.model.LabelSelectorBuilder();
    for (String kv : plan.agentSelector().split(",")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) throw new IllegalArgumentException("bad label selector " + plan.agentSelector());
      b.addToMatchLabels(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
    return b.build();
  }

  private <T extends HasMetadata> void deleteAll(String what, Supplier<List<T>> list) {
    List<T> items = list.get();
    LOG.info("deleting {} {}", items.size(), what);
    for (T o : items) client.resource(o).delete();
  }

  private void removeFinalizers(VdeNetwork n) {
    client
        .resources(VdeNetwork.class)
        .inNamespace(n.getMetadata().getNamespace())
        .withName(n.getMetadata().getName())
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"metadata\":{\"finalizers\":null}}");
  }

  /** What the operator's finalizer would have deleted: agent ConfigMaps and key Secrets. */
  private void deleteOperatorObjects() {
    client
        .configMaps()
        .inNamespace(plan.namespace())
        .withLabel(Names.LABEL_MANAGED_BY, Names.MANAGER)
        .delete();
    client
        .secrets()
        .inNamespace(plan.namespace())
        .withLabel(Names.LABEL_MANAGED_BY, Names.MANAGER)
        .delete();
  }

  private void awaitGone(String what, String podSelector) {
    if (podSelector == null || podSelector.isBlank()) return;
    boolean gone =
        waitUntil(
            () ->
                client
                    .pods()
                    .inNamespace(plan.namespace())
                    .withLabelSelector(podSelector)
                    .list()
                    .getItems()
                    .isEmpty());
    if (!gone) {
      throw new UninstallException(
          what + " (" + podSelector + ") still running after " + plan.timeout().toSeconds() + " s");
    }
  }

  private boolean waitUntil(Supplier<Boolean> done) {
    Instant end = Instant.now().plus(plan.timeout());
    while (!done.get()) {
      if (Instant.now().isAfter(end)) return false;
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return true;
  }

  private static String describe(VdeNetwork n) {
    String reason =
        n.getStatus() == null
            ? null
            : Conditions.find(n.getStatus().conditions(), Conditions.READY)
                .map(c -> c.getReason() + ": " + c.getMessage())
                .orElse(null);
    return name(n) + (reason == null ? "" : " (" + reason + ")");
  }

  private static String name(HasMetadata o) {
    return (o.getMetadata().getNamespace() == null ? "" : o.getMetadata().getNamespace() + "/")
        + o.getMetadata().getName();
  }
}
