package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.ResourceCache;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Deleter;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.model.AgentDaemonSet;
import io.kubevde.operator.model.Names;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one agent DaemonSet {@code kubevde-agent} for all networks, a dependent shared by every
 * VdeNetwork: its desired state depends on no particular network — it is {@link
 * AgentDaemonSet#desired} of the node selectors of all live networks (not being deleted) in the
 * controller's cache — and every network resolves to the same object ({@link #ID}). Reconciling it
 * for any network therefore converges on the same DaemonSet; JOSDK's server-side-apply matcher
 * leaves it alone while the union is unchanged, and the calls are serialized so a write always
 * carries the latest union. {@link #delete} (a network's cleanup) withdraws that network: the
 * DaemonSet is re-applied for the rest or deleted with the last one.
 *
 * <p>The DaemonSet informer maps a change of the object's spec (edit, deletion) to one live
 * network, so a deleted or edited DaemonSet is restored at once; status updates (pods becoming
 * ready) are ignored.
 */
final class AgentDaemonSetDependent extends KubernetesDependentResource<DaemonSet, VdeNetwork>
    implements Creator<DaemonSet, VdeNetwork>, Updater<DaemonSet, VdeNetwork>, Deleter<VdeNetwork> {
  private static final Logger LOG = LoggerFactory.getLogger(AgentDaemonSetDependent.class);
  private final AgentDaemonSet.Config cfg;
  private final ResourceID id;

  /**
   * @param cfg what the DaemonSet is made of besides the networks' node selectors
   */
  AgentDaemonSetDependent(AgentDaemonSet.Config cfg) {
    super(DaemonSet.class, "agent-daemonset");
    this.cfg = cfg;
    this.id = new ResourceID(Names.AGENT_DAEMONSET, cfg.namespace());
    configureWith(
        new KubernetesDependentResourceConfigBuilder<DaemonSet>()
            .withUseSSA(true)
            .withCreateResourceOnlyIfNotExistingWithSSA(false)
            .build());
  }

  /**
   * @param networks the VdeNetworks in the cache
   * @return the node selector of every network not being deleted (empty map = all nodes), by
   *     namespace/name
   */
  static List<Map<String, String>> liveSelectors(ResourceCache<VdeNetwork> networks) {
    return networks
        .list()
        .filter(n -> !n.isMarkedForDeletion())
        .sorted(Comparator.comparing(VdeNetworkReconciler::key))
        .map(
            n ->
                n.getSpec() == null
                    ? Map.<String, String>of()
                    : n.getSpec().effectiveNodeSelector())
        .toList();
  }

  @Override
  protected DaemonSet desired(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return AgentDaemonSet.desired(liveSelectors(ctx.getPrimaryCache()), cfg);
  }

  @Override
  public synchronized ReconcileResult<DaemonSet> reconcile(
      VdeNetwork primary, Context<VdeNetwork> ctx) {
    if (liveSelectors(ctx.getPrimaryCache()).isEmpty()) { // the network went away meanwhile
      super.delete(primary, ctx);
      return ReconcileResult.noOperation(null);
    }
    ReconcileResult<DaemonSet> r = super.reconcile(primary, ctx);
    if (r.getSingleOperation() != ReconcileResult.Operation.NONE) {
      log(r.getSingleOperation().toString().toLowerCase(Locale.ROOT), ctx);
    }
    return r;
  }

  /**
   * A network's cleanup: re-applies the DaemonSet without it, or deletes the DaemonSet with the
   * last network.
   */
  @Override
  public synchronized void delete(VdeNetwork primary, Context<VdeNetwork> ctx) {
    if (liveSelectors(ctx.getPrimaryCache()).isEmpty()) {
      super.delete(primary, ctx);
      LOG.info(
          "DaemonSet {}/{}: deleted (no VdeNetwork left)", cfg.namespace(), Names.AGENT_DAEMONSET);
    } else {
      reconcile(primary, ctx);
    }
  }

  private void log(String what, Context<VdeNetwork> ctx) {
    LOG.info(
        "DaemonSet {}/{}: {} for {} network(s)",
        cfg.namespace(),
        Names.AGENT_DAEMONSET,
        what,
        liveSelectors(ctx.getPrimaryCache()).size());
  }

  @Override
  protected ResourceID targetSecondaryResourceID(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return id;
  }

  @Override
  protected void addReferenceHandlingMetadata(DaemonSet desired, VdeNetwork primary) {
    // shared by all networks: no owner reference and no per-network annotation (the object must not
    // depend on
    // which network applied it)
  }

  @Override
  protected Optional<SecondaryToPrimaryMapper<DaemonSet>> getSecondaryToPrimaryMapper(
      EventSourceContext<VdeNetwork> ctx) {
    var networks = ctx.getPrimaryCache();
    // one live network is enough to restore the DaemonSet (its desired state is the same for every
    // network)
    return Optional.of(
        ds ->
            networks
                .list()
                .filter(n -> !n.isMarkedForDeletion())
                .min(Comparator.comparing(VdeNetworkReconciler::key))
                .map(ResourceID::fromResource)
                .map(Set::of)
                .orElse(Set.of()));
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<DaemonSet> informerConfigurationBuilder(
      EventSourceContext<VdeNetwork> ctx) {
    return super.informerConfigurationBuilder(ctx)
        .withNamespaces(Set.of(cfg.namespace()))
        .withLabelSelector(
            Names.LABEL_COMPONENT + "=agent," + Names.LABEL_MANAGED_BY + "=" + Names.MANAGER)
        .withOnUpdateFilter(
            (DaemonSet newer, DaemonSet older) ->
                !Objects.equals(
                    newer.getMetadata().getGeneration(), older.getMetadata().getGeneration()))
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<VdeNetwork>) p -> Set.of(id));
  }
}
