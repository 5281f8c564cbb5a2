package io.kubevde.operator.link;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.PathStatus;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeLinkStatus;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.model.LinkChecks;
import io.kubevde.operator.model.NodeReports;
import io.kubevde.operator.runtime.AgentLeases;
import io.kubevde.operator.runtime.EventRecorder;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Reconciles a VdeLink: checks what the schema cannot (node vs nodeSelector, unique path names, the
 * network and any {@code vdenetwork://} peer exist and are Ready), aggregates per-path state from
 * the agents' VdeNode reports and writes conditions: {@code Ready} (reasons {@code Ready}, {@code
 * InvalidSpec}, {@code NetworkNotFound}, {@code NetworkNotReady}, {@code PeerNetworkNotFound}) and
 * {@code Degraded} ({@code PathsDown}; {@code PathsRefused} when an agent's link policy refuses a
 * path, with the agents' reasons). The agents run the paths themselves (they watch VdeLinks for
 * their node).
 */
@ControllerConfiguration(name = VdeLinkReconciler.NAME)
public class VdeLinkReconciler implements Reconciler<VdeLink> {
  /** Controller name. */
  public static final String NAME = "vdelink";

  private final OperatorConfig cfg;
  private volatile InformerEventSource<VdeNetwork, VdeLink> networks;
  private volatile InformerEventSource<VdeNode, VdeLink> vdeNodes;
  private volatile InformerEventSource<Lease, VdeLink> leases;

  /**
   * @param cfg operator configuration (heartbeat timeout)
   */
  public VdeLinkReconciler(OperatorConfig cfg) {
    this.cfg = cfg;
  }

  @Override
  public List<EventSource<?, VdeLink>> prepareEventSources(EventSourceContext<VdeLink> ctx) {
    var links = ctx.getPrimaryCache();
    networks =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(VdeNetwork.class, VdeLink.class)
                .withName("vdenetworks-for-links")
                .withSecondaryToPrimaryMapper(
                    (VdeNetwork n) ->
                        links
                            .list()
                            .filter(
                                l ->
                                    n.getMetadata()
                                        .getNamespace()
                                        .equals(l.getMetadata().getNamespace()))
                            .filter(
                                l ->
                                    l.getSpec() != null
                                        && (n.getMetadata().getName().equals(l.getSpec().network())
                                            || l.getSpec().paths().stream()
                                                .anyMatch(
                                                    p ->
                                                        p.vnl()
                                                            .equals(
                                                                "vdenetwork://"
                                                                    + n.getMetadata().getNamespace()
                                                                    + "/"
                                                                    + n.getMetadata().getName()))))
                            .map(ResourceID::fromResource)
                            .collect(Collectors.toSet()))
                .build(),
            ctx);
    vdeNodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(VdeNode.class, VdeLink.class)
                .withName("vdenodes-for-links")
                .withSecondaryToPrimaryMapper(
                    (VdeNode v) ->
                        v.getStatus() == null || v.getStatus().links() == null
                            ? Set.of()
                            : v.getStatus().links().stream()
                                .map((NodeLinkPath p) -> new ResourceID(p.link(), p.namespace()))
                                .collect(Collectors.toSet()))
                .build(),
            ctx);
    // agent heartbeats: only a silent agent coming back matters (going silent is found by the
    // rescheduling below)
    leases =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Lease.class, VdeLink.class)
                .withName("agent-leases-for-links")
                .withNamespaces(Set.of(cfg.namespace()))
                .withLabelSelector(AgentLeases.SELECTOR)
                .withOnUpdateFilter(
                    (Lease newer, Lease older) ->
                        AgentLeases.revives(newer, older, cfg.heartbeatTimeout()))
                .withSecondaryToPrimaryMapper(
                    (Lease lease) ->
                        vdeNodes
                            .get(new ResourceID(AgentLeases.node(lease)))
                            .filter(v -> v.getStatus() != null && v.getStatus().links() != null)
                            .map(
                                v ->
                                    v.getStatus().links().stream()
                                        .map(
                                            (NodeLinkPath p) ->
                                                new ResourceID(p.link(), p.namespace()))
                                        .collect(Collectors.toSet()))
                            .orElse(Set.of()))
                .build(),
            ctx);
    return List.of(networks, vdeNodes, leases);
  }

  @Override
  public UpdateControl<VdeLink> reconcile(VdeLink l, Context<VdeLink> ctx) {
    String ns = l.getMetadata().getNamespace();
    Long gen = l.getMetadata().getGeneration();
    Instant now = Instant.now();
    VdeLinkStatus prev = l.getStatus();
    List<Condition> conds = prev == null ? null : prev.conditions();
    String oldReady = Conditions.signature(conds, Conditions.READY);

    String reason = "Ready";
    String message;
    String invalid = LinkChecks.validate(l.getSpec());
    if (invalid != null) {
      reason = "InvalidSpec";
      message = invalid;
    } else {
      VdeNetwork net = networks.get(new ResourceID(l.getSpec().network(), ns)).orElse(null);
      List<String> missingPeers =
          LinkChecks.peerNetworks(l.getSpec()).stream()
              .filter(p -> networks.get(new ResourceID(p.name(), p.namespace())).isEmpty())
              .map(p -> p.namespace() + "/" + p.name())
              .toList();
      if (net == null) {
        reason = "NetworkNotFound";
        message = "VdeNetwork " + ns + "/" + l.getSpec().network() + " does not exist";
      } else if (!missingPeers.isEmpty()) {
        reason = "PeerNetworkNotFound";
        message = "peer VdeNetwork(s) " + String.join(", ", missingPeers) + " do not exist";
      } else if (net.getStatus() == null
          || !Conditions.isTrue(net.getStatus().conditions(), Conditions.READY)) {
        reason = "NetworkNotReady";
        message = "VdeNetwork " + ns + "/" + l.getSpec().network() + " is not Ready";
      } else {
        message =
            l.getSpec().paths().size()
                + " path(s), mode "
                + l.getSpec().effectiveMode().name().toLowerCase(java.util.Locale.ROOT);
      }
    }
    conds =
        Conditions.set(conds, Conditions.READY, "Ready".equals(reason), reason, message, gen, now);

    List<PathStatus> paths =
        NodeReports.linkPaths(
            ns,
            l.getMetadata().getName(),
            vdeNodes.list().toList(),
            AgentLeases.renewals(leases.list()),
            now,
            cfg.heartbeatTimeout());
    long up = paths.stream().filter(p -> p.state() == PathState.UP).count();
    List<String> down =
        paths.stream()
            .filter(p -> p.state() != PathState.UP)
            .map(p -> p.name() + "@" + p.node())
            .toList();
    int total = Math.max(paths.size(), l.getSpec() == null ? 0 : l.getSpec().paths().size());
    List<String> refused =
        paths.stream()
            .filter(p -> p.state() == PathState.REFUSED)
            .map(p -> p.name() + "@" + p.node() + ": " + p.message())
            .toList();
    conds =
        down.isEmpty()
            ? Conditions.set(conds, Conditions.DEGRADED, false, "AsExpected", "", gen, now)
            : !refused.isEmpty()
                ? Conditions.set(
                    conds,
                    Conditions.DEGRADED,
                    true,
                    "PathsRefused",
                    "refused by the agent's link policy: " + String.join("; ", refused),
                    gen,
                    now)
                : Conditions.set(
                    conds,
                    Conditions.DEGRADED,
                    true,
                    "PathsDown",
                    "not up: " + String.join(", ", down),
                    gen,
                    now);

    VdeLinkStatus status =
        new VdeLinkStatus(gen, conds, paths.isEmpty() ? null : paths, up + "/" + total);
    String newReady = Conditions.signature(conds, Conditions.READY);
    if (!newReady.equals(oldReady)) {
      new EventRecorder(ctx.getClient()).emit(l, !"Ready".equals(reason), reason, message);
    }
    // a silent agent must turn its paths Unknown without waiting for an event
    long recheck = paths.isEmpty() ? -1 : cfg.heartbeatTimeout().toMillis();
    if (status.equals(prev)) {
      UpdateControl<VdeLink> none = UpdateControl.noUpdate();
      return recheck > 0 ? none.rescheduleAfter(recheck) : none;
    }
    l.setStatus(status);
    l.getMetadata().setResourceVersion(null);
    UpdateControl<VdeLink> control = UpdateControl.patchStatus(l);
    return recheck > 0 ? control.rescheduleAfter(recheck) : control;
  }
}
