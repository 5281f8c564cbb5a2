package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNetworkStatus;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.operator.model.Allocation;
import io.kubevde.operator.model.Allocator;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.model.IpamPlan;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.model.NetworkClaim;
import io.kubevde.operator.model.NetworkResources;
import io.kubevde.operator.model.NodeReports;
import io.kubevde.operator.runtime.EventRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a VdeNetwork (architecture.md §5): allocates VNI and multicast group, splits the IPAM subnet into
 * per-node blocks, publishes the agent ConfigMap, the Multus NAD (when Multus is installed) and the agent DaemonSet,
 * aggregates VdeNode reports and writes status conditions; its finalizer keeps a network with live attachments.
 *
 * <p>Conditions: {@code Ready=True/Ready} when the configuration is allocated and published; {@code Ready=False}
 * with reason {@code VniConflict}, {@code GroupConflict}, {@code SubnetOverlap}, {@code InvalidIpam},
 * {@code VniPoolExhausted}, {@code GroupPoolExhausted}, {@code DeletionBlocked} or {@code ReconcileError}.
 * {@code Degraded=True} with {@code NodesNotReady} (some reporting agents are not ready or silent) or
 * {@code AddressBlocksExhausted} (some selected nodes got no address block).
 */
@ControllerConfiguration(name = VdeNetworkReconciler.NAME, finalizerName = Names.FINALIZER,
    maxReconciliationInterval = @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class VdeNetworkReconciler implements Reconciler<VdeNetwork>, Cleaner<VdeNetwork> {
  /** Controller name (metrics tag, SSA field manager). */
  public static final String NAME = "vdenetwork";
  private static final Logger LOG = LoggerFactory.getLogger(VdeNetworkReconciler.class);

  private final OperatorConfig cfg;
  private final Allocator allocator;
  private final Reservations reservations = new Reservations();
  private final AgentDaemonSetApplier daemonSet;
  private final NadSupport nads;
  private final Counter allocations;
  private final Counter conflicts;
  private volatile InformerEventSource<VdeNode, VdeNetwork> vdeNodes;
  private volatile InformerEventSource<Node, VdeNetwork> nodes;

  /**
   * @param cfg operator configuration
   * @param registry where to publish {@code kubevde_operator_allocations_total} and
   *     {@code kubevde_operator_conflicts_total}
   */
  public VdeNetworkReconciler(OperatorConfig cfg, MeterRegistry registry) {
    this.cfg = cfg;
    this.allocator = new Allocator(cfg.allocation());
    this.daemonSet = new AgentDaemonSetApplier(cfg);
    this.nads = new NadSupport(cfg.agentSettings().multusEnabled());
    this.allocations = Counter.builder("kubevde.operator.allocations")
        .description("VNI/group allocations made").register(registry);
    this.conflicts = Counter.builder("kubevde.operator.conflicts")
        .description("reconciles that found a conflict").register(registry);
  }

  @Override
  public List<EventSource<?, VdeNetwork>> prepareEventSources(EventSourceContext<VdeNetwork> ctx) {
    vdeNodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(VdeNode.class, VdeNetwork.class)
        .withName("vdenodes")
        .withSecondaryToPrimaryMapper((VdeNode n) -> n.getStatus() == null || n.getStatus().networks() == null
            ? Set.of()
            : n.getStatus().networks().stream().map((NodeNetwork nn) -> new ResourceID(nn.name(), nn.namespace()))
                .collect(Collectors.toSet()))
        .build(), ctx);
    var primaries = ctx.getPrimaryCache();
    nodes = new InformerEventSource<>(InformerEventSourceConfiguration.from(Node.class, VdeNetwork.class)
        .withName("nodes")
        // kubelets update their Node every few seconds; only label changes move networks' node sets
        .withOnUpdateFilter((Node newer, Node older) -> !java.util.Objects.equals(newer.getMetadata().getLabels(),
            older.getMetadata().getLabels()))
        .withSecondaryToPrimaryMapper((Node n) -> primaries.list().map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        .build(), ctx);
    return List.of(vdeNodes, nodes);
  }

  @Override
  public UpdateControl<VdeNetwork> reconcile(VdeNetwork n, Context<VdeNetwork> ctx) {
    long t0 = System.nanoTime();
    KubernetesClient client = ctx.getClient();
    String key = key(n);
    VdeNetworkSpec spec = n.getSpec() == null ? emptySpec() : n.getSpec();
    VdeNetworkStatus prev = n.getStatus();
    Long gen = n.getMetadata().getGeneration();
    Instant now = Instant.now();
    Transport transport = spec.effectiveTransport();
    boolean hostLocal = spec.ipam() != null && spec.ipam().effectiveType() == IpamType.HOST_LOCAL;

    String ipamError = IpamPlan.validate(spec.ipam());
    NetworkClaim self = new NetworkClaim(key, created(n), spec.vni(), spec.group(),
        hostLocal && ipamError == null ? spec.ipam().subnet() : null);
    NetworkClaim previous = prev == null ? null
        : new NetworkClaim(key, created(n), prev.vni(), prev.group(), null);
    Allocation a;
    synchronized (allocator) {
      a = allocator.allocate(self, previous, transport != Transport.LOCAL, transport == Transport.VXVDE,
          claimsOfOthers(ctx, n));
      reservations.put(n.getMetadata().getUid(), new NetworkClaim(key, created(n), a.vni(), a.group(),
          self.subnet()));
    }
    if (prev == null || !java.util.Objects.equals(prev.vni(), a.vni())
        || !java.util.Objects.equals(prev.group(), a.group())) {
      allocations.increment();
    }
    List<Allocation.Problem> problems = new ArrayList<>(a.problems());
    if (ipamError != null) problems.add(0, new Allocation.Problem("InvalidIpam", ipamError));

    // per-node blocks out of the subnet, for the selected nodes
    List<String> selected = selectedNodes(spec.effectiveNodeSelector());
    List<NodeRange> ranges = List.of();
    List<String> unplaced = List.of();
    if (hostLocal && ipamError == null) {
      IpamPlan.Result plan = IpamPlan.plan(spec.ipam(), selected, prev == null ? null : prev.nodeRanges());
      ranges = plan.ranges();
      unplaced = plan.unplaced();
    }

    String cmName = Names.configMap(n.getMetadata().getNamespace(), n.getMetadata().getName());
    String nadName = null;
    if (problems.isEmpty()) {
      AgentNetworkConfig agentCfg = NetworkResources.agentConfig(n, a.vni(), a.group(), ranges, peers(selected));
      client.configMaps().inNamespace(cfg.namespace()).resource(NetworkResources.configMap(cfg.namespace(), agentCfg))
          .fieldManager(Names.MANAGER).forceConflicts().serverSideApply();
      if (nads.present(client)) {
        nads.apply(client, NetworkResources.nad(n));
        nadName = n.getMetadata().getName();
      }
      daemonSet.apply(client, liveSelectors(ctx, n, true));
    } else {
      conflicts.increment();
      // a network in conflict must not run: agents stop it when its ConfigMap goes away
      client.configMaps().inNamespace(cfg.namespace()).withName(cmName).delete();
    }

    NodeReports.NetworkView view = NodeReports.network(n.getMetadata().getNamespace(), n.getMetadata().getName(),
        vdeNodes.list().toList(), now, cfg.heartbeatTimeout());
    int total = Math.max(view.reporting(), selected.size());

    List<Condition> conds = prev == null ? null : prev.conditions();
    String oldReady = Conditions.signature(conds, Conditions.READY);
    String oldDegraded = Conditions.signature(conds, Conditions.DEGRADED);
    if (problems.isEmpty()) {
      conds = Conditions.set(conds, Conditions.READY, true, "Ready",
          describe(transport, a) + (nadName != null ? "; NetworkAttachmentDefinition " + nadName : ""), gen, now);
    } else {
      Allocation.Problem p = problems.get(0);
      conds = Conditions.set(conds, Conditions.READY, false, p.reason(),
          problems.stream().map(Allocation.Problem::message).collect(Collectors.joining("; ")), gen, now);
    }
    if (!unplaced.isEmpty()) {
      conds = Conditions.set(conds, Conditions.DEGRADED, true, "AddressBlocksExhausted",
          "no address block left in " + spec.ipam().subnet() + " for node(s) " + String.join(", ", unplaced), gen,
          now);
    } else if (view.ready() < view.reporting()) {
      conds = Conditions.set(conds, Conditions.DEGRADED, true, "NodesNotReady",
          (view.reporting() - view.ready()) + " of " + view.reporting() + " node agent(s) not ready", gen, now);
    } else {
      conds = Conditions.set(conds, Conditions.DEGRADED, false, "AsExpected", "", gen, now);
    }

    VdeNetworkStatus status = new VdeNetworkStatus(gen, conds, a.vni(), a.group(),
        transport == Transport.LOCAL ? null : spec.effectivePort(), spec.effectiveMtu(),
        view.ready() + "/" + total, view.ready(), total, view.attachments(), ranges.isEmpty() ? null : ranges,
        nadName, problems.isEmpty() ? cfg.namespace() + "/" + cmName : null);
    emitTransitions(client, n, prev, status, oldReady, oldDegraded);
    n.setStatus(status);
    // the status is recomputed from the whole state each time and reconciles of one object are serialized:
    // apply it without an optimistic lock (a concurrent spec edit would only cause a needless 409 and retry)
    n.getMetadata().setResourceVersion(null);
    LOG.info("VdeNetwork {} (generation {}): {} in {} ms", key, gen, Conditions.signature(conds, Conditions.READY),
        (System.nanoTime() - t0) / 1_000_000);
    UpdateControl<VdeNetwork> control = UpdateControl.patchStatus(n);
    // a silent agent must turn into Degraded without waiting for the periodic resync
    return view.reporting() > 0 ? control.rescheduleAfter(cfg.heartbeatTimeout().toMillis()) : control;
  }

  @Override
  public ErrorStatusUpdateControl<VdeNetwork> updateErrorStatus(VdeNetwork n, Context<VdeNetwork> ctx, Exception e) {
    LOG.warn("VdeNetwork {}: reconcile failed: {}", key(n), e.toString());
    if (e instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() == 409) {
      return ErrorStatusUpdateControl.defaultErrorProcessing(); // a race with another writer: just retry
    }
    VdeNetworkStatus prev = n.getStatus();
    List<Condition> conds = Conditions.set(prev == null ? null : prev.conditions(), Conditions.READY, false,
        "ReconcileError", String.valueOf(e.getMessage()), n.getMetadata().getGeneration(), Instant.now());
    n.setStatus(prev == null
        ? new VdeNetworkStatus(n.getMetadata().getGeneration(), conds, null, null, null, null, null, null, null, null,
            null, null, null)
        : new VdeNetworkStatus(prev.observedGeneration(), conds, prev.vni(), prev.group(), prev.port(), prev.mtu(),
            prev.nodes(), prev.nodesReady(), prev.nodesTotal(), prev.attachments(), prev.nodeRanges(),
            prev.networkAttachmentDefinition(), prev.configMap()));
    n.getMetadata().setResourceVersion(null);
    return ErrorStatusUpdateControl.patchStatus(n);
  }

  @Override
  public DeleteControl cleanup(VdeNetwork n, Context<VdeNetwork> ctx) {
    KubernetesClient client = ctx.getClient();
    String ns = n.getMetadata().getNamespace();
    String name = n.getMetadata().getName();
    NodeReports.NetworkView view = NodeReports.network(ns, name, vdeNodes.list().toList(), Instant.now(),
        cfg.heartbeatTimeout());
    if (view.attachments() > 0) {
      String msg = view.attachments() + " pod attachment(s) on node(s) " + String.join(", ",
          view.nodesWithAttachments()) + " still use this network; it is deleted when they are gone";
      VdeNetworkStatus prev = n.getStatus();
      List<Condition> old = prev == null ? null : prev.conditions();
      if (!"False/DeletionBlocked".equals(Conditions.signature(old, Conditions.READY))
          || prev == null || !java.util.Objects.equals(prev.attachments(), view.attachments())) {
        List<Condition> conds = Conditions.set(old, Conditions.READY, false, "DeletionBlocked", msg,
            n.getMetadata().getGeneration(), Instant.now());
        VdeNetwork copy = VdeNetwork.of(ns, name, null);
        copy.setStatus(prev == null
            ? new VdeNetworkStatus(n.getMetadata().getGeneration(), conds, null, null, null, null, null, null, null,
                view.attachments(), null, null, null)
            : new VdeNetworkStatus(prev.observedGeneration(), conds, prev.vni(), prev.group(), prev.port(),
                prev.mtu(), prev.nodes(), prev.nodesReady(), prev.nodesTotal(), view.attachments(),
                prev.nodeRanges(), prev.networkAttachmentDefinition(), prev.configMap()));
        client.resources(VdeNetwork.class).inNamespace(ns).withName(name).subresource("status")
            .patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
                io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE), copy);
        if (!"False/DeletionBlocked".equals(Conditions.signature(old, Conditions.READY))) {
          new EventRecorder(client).emit(n, true, "DeletionBlocked", msg);
        }
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(5_000);
    }
    client.configMaps().inNamespace(cfg.namespace()).withName(Names.configMap(ns, name)).delete();
    nads.delete(client, ns, name);
    reservations.remove(key(n));
    daemonSet.apply(client, liveSelectors(ctx, n, false));
    new EventRecorder(client).emit(n, false, "Deleted",
        "released VNI " + (n.getStatus() == null ? null : n.getStatus().vni()) + " and group "
            + (n.getStatus() == null ? null : n.getStatus().group()) + "; agent configuration removed");
    return DeleteControl.defaultDelete();
  }

  private void emitTransitions(KubernetesClient client, VdeNetwork n, VdeNetworkStatus prev, VdeNetworkStatus next,
      String oldReady, String oldDegraded) {
    EventRecorder events = new EventRecorder(client);
    if ((prev == null || prev.vni() == null && prev.group() == null) && (next.vni() != null || next.group() != null)) {
      events.emit(n, false, "Allocated", "VNI " + next.vni() + ", multicast group " + next.group());
    }
    String newReady = Conditions.signature(next.conditions(), Conditions.READY);
    if (!newReady.equals(oldReady)) {
      Condition c = Conditions.find(next.conditions(), Conditions.READY).orElseThrow();
      events.emit(n, "False".equals(c.getStatus()), c.getReason(), c.getMessage());
    }
    String newDegraded = Conditions.signature(next.conditions(), Conditions.DEGRADED);
    if (!newDegraded.equals(oldDegraded) && newDegraded.startsWith("True")) {
      Condition c = Conditions.find(next.conditions(), Conditions.DEGRADED).orElseThrow();
      events.emit(n, true, c.getReason(), c.getMessage());
    }
  }

  private static String describe(Transport t, Allocation a) {
    return switch (t) {
      case VXVDE -> "vxvde VNI " + a.vni() + " group " + a.group();
      case VXVDE_UNICAST -> "vxvde-unicast VNI " + a.vni();
      case LOCAL -> "local switches only";
    };
  }

  /** Claims of every other network: effective values from spec/status, overridden by this process' reservations. */
  private List<NetworkClaim> claimsOfOthers(Context<VdeNetwork> ctx, VdeNetwork self) {
    Map<String, NetworkClaim> byKey = new HashMap<>();
    Map<String, String> uidOfKey = new HashMap<>();
    ctx.getPrimaryCache().list().forEach(o -> {
      if (o.getMetadata().getUid().equals(self.getMetadata().getUid())) return;
      VdeNetworkSpec s = o.getSpec() == null ? emptySpec() : o.getSpec();
      VdeNetworkStatus st = o.getStatus();
      boolean hostLocal = s.ipam() != null && s.ipam().effectiveType() == IpamType.HOST_LOCAL
          && IpamPlan.validate(s.ipam()) == null;
      Integer vni = s.vni() != null ? s.vni() : st == null ? null : st.vni();
      String group = s.group() != null ? s.group() : st == null ? null : st.group();
      byKey.put(key(o), new NetworkClaim(key(o), created(o), vni, group, hostLocal ? s.ipam().subnet() : null));
      uidOfKey.put(key(o), o.getMetadata().getUid());
    });
    // this process' latest decisions win over a cache that may not show the status patch yet
    reservations.all().forEach((k, e) -> {
      NetworkClaim cached = byKey.get(k);
      if (cached == null || !e.uid().equals(uidOfKey.get(k))) return;
      NetworkClaim r = e.claim();
      byKey.put(k, new NetworkClaim(k, cached.created(), r.vni() != null ? r.vni() : cached.vni(),
          r.group() != null ? r.group() : cached.group(), cached.subnet()));
    });
    return new ArrayList<>(byKey.values());
  }

  private List<Map<String, String>> liveSelectors(Context<VdeNetwork> ctx, VdeNetwork self, boolean includeSelf) {
    List<Map<String, String>> out = new ArrayList<>();
    ctx.getPrimaryCache().list().forEach(o -> {
      boolean isSelf = o.getMetadata().getUid().equals(self.getMetadata().getUid());
      if (isSelf || o.getMetadata().getDeletionTimestamp() != null) return;
      out.add(o.getSpec() == null ? Map.of() : o.getSpec().effectiveNodeSelector());
    });
    if (includeSelf) out.add(self.getSpec() == null ? Map.of() : self.getSpec().effectiveNodeSelector());
    return out;
  }

  private List<String> selectedNodes(Map<String, String> selector) {
    return nodes.list()
        .filter(node -> {
          Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of()
              : node.getMetadata().getLabels();
          return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        })
        .map(node -> node.getMetadata().getName()).sorted().toList();
  }

  private List<String> peers(List<String> selected) {
    Set<String> sel = Set.copyOf(selected);
    return vdeNodes.list().filter(v -> sel.contains(v.getMetadata().getName()))
        .filter(v -> v.getSpec() != null && v.getSpec().address() != null)
        .map(v -> v.getSpec().address()).sorted().toList();
  }

  private static VdeNetworkSpec emptySpec() {
    return new VdeNetworkSpec(null, null, null, null, null, null, null, null, null, null);
  }

  static String key(VdeNetwork n) {
    return n.getMetadata().getNamespace() + "/" + n.getMetadata().getName();
  }

  private static Instant created(VdeNetwork n) {
    String ts = n.getMetadata().getCreationTimestamp();
    return ts == null ? Instant.now() : Instant.parse(ts);
  }
}
