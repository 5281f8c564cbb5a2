package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.ErrorStatusUpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceUtils;
import io.javaoperatorsdk.operator.api.reconciler.MaxReconciliationInterval;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Workflow;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowBuilder;
import io.javaoperatorsdk.operator.processing.dependent.workflow.WorkflowReconcileResult;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.kubevde.api.v1alpha1.EncryptionStatus;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNetworkStatus;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.operator.model.Allocation;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.model.EgressPlan;
import io.kubevde.operator.model.IpamPlan;
import io.kubevde.operator.model.KeyRing;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.model.NetworkResources;
import io.kubevde.operator.model.NetworkStatusBuilder;
import io.kubevde.operator.model.NodeReports;
import io.kubevde.operator.runtime.AgentLeases;
import io.kubevde.operator.runtime.EventRecorder;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles a VdeNetwork (architecture.md §5): allocates VNI and multicast group, splits the IPAM
 * subnet into per-node blocks, then runs the workflow of dependents — the agent ConfigMap ({@link
 * AgentConfigMapDependent}), the Multus NAD ({@link NadDependent}, when Multus is installed) and a
 * sealed network's key Secret ({@link KeySecretDependent}, rotated in phases by {@link KeyRing},
 * the reconcile rescheduled for the next phase) — aggregates VdeNode reports and writes status
 * conditions; its finalizer keeps a network with live attachments.
 *
 * <p>The workflow is JOSDK's, built in code (the dependents take the operator configuration in
 * their constructors) and invoked by {@link #reconcile} after allocation, which it needs: the
 * allocation reaches the dependents as a {@link Publication} in the reconcile's context.
 *
 * <p>Conditions: {@code Ready=True/Ready} when the configuration is allocated and published; {@code
 * Ready=False} with reason {@code VniConflict}, {@code GroupConflict}, {@code SubnetOverlap},
 * {@code InvalidIpam}, {@code InvalidEgress}, {@code VniPoolExhausted}, {@code GroupPoolExhausted},
 * {@code DeletionBlocked} or {@code ReconcileError}. {@code Degraded=True} with {@code
 * NodesNotReady} (some reporting agents are not ready or silent) or {@code AddressBlocksExhausted}
 * (some selected nodes got no address block).
 */
@ControllerConfiguration(
    name = VdeNetworkReconciler.NAME,
    finalizerName = Names.FINALIZER,
    fieldManager = Names.MANAGER,
    maxReconciliationInterval =
        @MaxReconciliationInterval(interval = 5, timeUnit = TimeUnit.MINUTES))
public class VdeNetworkReconciler implements Reconciler<VdeNetwork>, Cleaner<VdeNetwork> {
  /** Controller name (metrics tag). */
  public static final String NAME = "vdenetwork";

  private static final Logger LOG = LoggerFactory.getLogger(VdeNetworkReconciler.class);

  private final OperatorConfig cfg;
  private final NetworkAllocator allocator;
  private final NadDependent nad = new NadDependent();
  private final KeySecretDependent keySecret;
  private final java.security.SecureRandom random = new java.security.SecureRandom();
  private final UnicastPorts ports = new UnicastPorts();
  private final Workflow<VdeNetwork> workflow;
  private final Counter allocations;
  private final Counter conflicts;
  private volatile InformerEventSource<VdeNode, VdeNetwork> vdeNodes;
  private volatile InformerEventSource<Node, VdeNetwork> nodes;
  private volatile InformerEventSource<VdeNetwork, VdeNetwork> rotationRequests;
  private volatile InformerEventSource<Lease, VdeNetwork> leases;

  /**
   * @param cfg operator configuration
   * @param registry where to publish {@code kubevde_operator_allocations_total} and {@code
   *     kubevde_operator_conflicts_total}
   */
  @SuppressWarnings({"rawtypes", "unchecked"})
  public VdeNetworkReconciler(OperatorConfig cfg, MeterRegistry registry) {
    this.cfg = cfg;
    this.allocator = new NetworkAllocator(cfg.allocation());
    Publication.Publishable publishable = new Publication.Publishable();
    this.keySecret = new KeySecretDependent(cfg.namespace());
    this.workflow =
        new WorkflowBuilder<VdeNetwork>()
            .addDependentResourceAndConfigure(new AgentConfigMapDependent(cfg.namespace()))
            .withReconcilePrecondition(publishable)
            .addDependentResourceAndConfigure(nad)
            .withActivationCondition(new NadCrdPresent(cfg.multus()))
            .withReconcilePrecondition(new NadDependent.Owned(publishable))
            .addDependentResourceAndConfigure(keySecret)
            .withReconcilePrecondition(new Publication.Sealed())
            .build();
    this.allocations =
        Counter.builder("kubevde.operator.allocations")
            .description("VNI/group allocations made")
            .register(registry);
    this.conflicts =
        Counter.builder("kubevde.operator.conflicts")
            .description("reconciles that found a conflict")
            .register(registry);
  }

  @Override
  public List<EventSource<?, VdeNetwork>> prepareEventSources(EventSourceContext<VdeNetwork> ctx) {
    var primaries = ctx.getPrimaryCache();
    // agents write their VdeNode only when it changes, and heartbeat through a Lease: a VdeNode
    // event matters when
    // the node's address, owner or network list (readiness, attachments) changed. Such events are
    // rare, and an
    // address or a dropped network concerns networks the new object does not list: all networks are
    // reconciled.
    vdeNodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(VdeNode.class, VdeNetwork.class)
                .withName("vdenodes")
                .withOnUpdateFilter(VdeNetworkReconciler::relevant)
                .withSecondaryToPrimaryMapper(
                    (VdeNode n) ->
                        primaries.list().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(),
            ctx);
    leases =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Lease.class, VdeNetwork.class)
                .withName("agent-leases")
                .withNamespaces(Set.of(cfg.namespace()))
                .withLabelSelector(AgentLeases.SELECTOR)
                .withOnUpdateFilter(
                    (Lease newer, Lease older) ->
                        AgentLeases.revives(newer, older, cfg.heartbeatTimeout()))
                .withSecondaryToPrimaryMapper((Lease l) -> networksOf(AgentLeases.node(l)))
                .build(),
            ctx);
    nodes =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Node.class, VdeNetwork.class)
                .withName("nodes")
                // kubelets update their Node every few seconds; only label changes move networks'
                // node sets
                .withOnUpdateFilter(
                    (Node newer, Node older) ->
                        !Objects.equals(
                            newer.getMetadata().getLabels(), older.getMetadata().getLabels()))
                .withSecondaryToPrimaryMapper(
                    (Node n) ->
                        primaries.list().map(ResourceID::fromResource).collect(Collectors.toSet()))
                .build(),
            ctx);
    // a rotation request is an annotation edit, which generation-aware processing of the primary
    // ignores
    rotationRequests =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(VdeNetwork.class, VdeNetwork.class)
                .withName("rotation-requests")
                .withOnAddFilter(n -> false)
                .withOnDeleteFilter((n, unknown) -> false)
                .withOnUpdateFilter(
                    (VdeNetwork newer, VdeNetwork older) ->
                        !Objects.equals(rotateRequest(newer), rotateRequest(older)))
                .withSecondaryToPrimaryMapper((VdeNetwork n) -> Set.of(ResourceID.fromResource(n)))
                .build(),
            ctx);
    List<EventSource<?, VdeNetwork>> all =
        new ArrayList<>(List.of(vdeNodes, nodes, leases, rotationRequests));
    // the NAD informer is registered by the workflow once its activation condition (the CRD exists)
    // holds
    all.addAll(EventSourceUtils.eventSourcesFromWorkflow(ctx, workflow));
    return all;
  }

  @Override
  public UpdateControl<VdeNetwork> reconcile(VdeNetwork n, Context<VdeNetwork> ctx) {
    long t0 = System.nanoTime();
    VdeNetworkSpec spec = NetworkAllocator.spec(n);
    VdeNetworkStatus prev = n.getStatus();
    Long gen = n.getMetadata().getGeneration();
    Instant now = Instant.now();
    Transport transport = spec.effectiveTransport();
    boolean hostLocal = spec.ipam() != null && spec.ipam().effectiveType() == IpamType.HOST_LOCAL;

    String ipamError = IpamPlan.validate(spec.ipam());
    Allocation a =
        allocator.allocate(
            n, hostLocal && ipamError == null ? spec.ipam().subnet() : null, ctx.getPrimaryCache());
    if (prev == null
        || !Objects.equals(prev.vni(), a.vni())
        || !Objects.equals(prev.group(), a.group())) {
      allocations.increment();
    }
    List<Allocation.Problem> problems = new ArrayList<>(a.problems());
    if (ipamError != null) problems.add(0, new Allocation.Problem("InvalidIpam", ipamError));
    String egressError = ipamError == null ? EgressPlan.validate(spec) : null;
    if (egressError != null) problems.add(0, new Allocation.Problem("InvalidEgress", egressError));
    UnicastPorts.Result port = ports.assign(n, ctx.getPrimaryCache());
    if (port.problem() != null) problems.add(port.problem());

    // per-node blocks out of the subnet, for the selected nodes; a node that left the selector
    // keeps its block
    // while its pods still use it (its Node exists and its VdeNode reports attachments on this
    // network)
    List<String> selected = selectedNodes(spec.effectiveNodeSelector());
    List<VdeNode> reports = liveReports();
    List<NodeRange> ranges = List.of();
    List<String> unplaced = List.of();
    if (hostLocal && ipamError == null) {
      Set<String> retained = retained(n, reports);
      IpamPlan.Result plan =
          IpamPlan.plan(spec.ipam(), selected, retained, prev == null ? null : prev.nodeRanges());
      ranges = plan.ranges();
      unplaced = plan.unplaced();
    }

    // publish: a network in conflict must not run (agents stop it when its ConfigMap goes away)
    KeyRing.Step keys = problems.isEmpty() && spec.sealed() ? nextKeys(n, spec, ctx, now) : null;
    Publication pub =
        new Publication(
            problems.isEmpty()
                ? NetworkResources.agentConfig(
                    n,
                    a.vni(),
                    a.group(),
                    port.port(),
                    ranges,
                    peers(selected, reports),
                    cfg.underlayCidrs())
                : null,
            keys == null ? null : keys.ring());
    if (!pub.publishable()) conflicts.increment();
    pub.putInto(ctx);
    // only when NADs are published at all (with multus off the operator may have no NAD RBAC)
    String nadConflict = pub.publishable() && cfg.multus() ? nad.foreignNad(n, ctx) : null;
    WorkflowReconcileResult published = workflow.reconcile(n, ctx);
    String nadName =
        pub.publishable()
                && nadConflict == null
                && published.getReconciledDependents().contains(nad)
            ? n.getMetadata().getName()
            : null;

    NodeReports.NetworkView view =
        NodeReports.network(
            n.getMetadata().getNamespace(),
            n.getMetadata().getName(),
            reports,
            renewals(),
            now,
            cfg.heartbeatTimeout());
    int total = Math.max(view.reporting(), selected.size());

    List<Condition> conds = prev == null ? null : prev.conditions();
    String oldReady = Conditions.signature(conds, Conditions.READY);
    String oldDegraded = Conditions.signature(conds, Conditions.DEGRADED);
    if (problems.isEmpty() && nadConflict != null) {
      conds = Conditions.set(conds, Conditions.READY, false, "NadConflict", nadConflict, gen, now);
    } else if (problems.isEmpty() && !view.failures().isEmpty()) {
      // published, but its data plane cannot run on some node (the agent says why: e.g. its UDP
      // port is in use)
      conds =
          Conditions.set(
              conds,
              Conditions.READY,
              false,
              "UplinkFailed",
              "not running on node(s): " + String.join("; ", view.failures()),
              gen,
              now);
    } else if (problems.isEmpty()) {
      conds =
          Conditions.set(
              conds,
              Conditions.READY,
              true,
              "Ready",
              describe(transport, a)
                  + (nadName != null ? "; NetworkAttachmentDefinition " + nadName : ""),
              gen,
              now);
    } else {
      Allocation.Problem p = problems.get(0);
      conds =
          Conditions.set(
              conds,
              Conditions.READY,
              false,
              p.reason(),
              problems.stream().map(Allocation.Problem::message).collect(Collectors.joining("; ")),
              gen,
              now);
    }
    if (!unplaced.isEmpty()) {
      conds =
          Conditions.set(
              conds,
              Conditions.DEGRADED,
              true,
              "AddressBlocksExhausted",
              "no address block left in "
                  + spec.ipam().subnet()
                  + " for node(s) "
                  + String.join(", ", unplaced),
              gen,
              now);
    } else if (view.ready() < view.reporting()) {
      conds =
          Conditions.set(
              conds,
              Conditions.DEGRADED,
              true,
              "NodesNotReady",
              (view.reporting() - view.ready())
                  + " of "
                  + view.reporting()
                  + " node agent(s) not ready",
              gen,
              now);
    } else {
      conds = Conditions.set(conds, Conditions.DEGRADED, false, "AsExpected", "", gen, now);
    }

    VdeNetworkStatus status =
        NetworkStatusBuilder.empty()
            .observedGeneration(gen)
            .conditions(conds)
            .allocation(a.vni(), a.group(), port.port(), spec.effectiveMtu())
            .nodes(view.ready(), total)
            .attachments(view.attachments())
            .nodeRanges(ranges)
            .published(
                nadName,
                pub.publishable()
                    ? cfg.namespace()
                        + "/"
                        + Names.configMap(n.getMetadata().getNamespace(), n.getMetadata().getName())
                    : null)
            .encryption(
                keys == null
                    ? null
                    : new EncryptionStatus(
                        cfg.namespace()
                            + "/"
                            + Names.keySecret(
                                n.getMetadata().getNamespace(), n.getMetadata().getName()),
                        keys.ring().currentId(),
                        keys.ring().rotatedAt().toString(),
                        keys.ring().phase().text()))
            .build();
    emitTransitions(ctx.getClient(), n, prev, status, oldReady, oldDegraded);
    // a silent agent must turn into Degraded without waiting for the periodic resync; a key
    // rotation moves on
    Long wake = view.reporting() > 0 ? cfg.heartbeatTimeout().toMillis() : null;
    if (keys != null && keys.wakeUp() != null) {
      long k = Math.max(50, keys.wakeUp().toMillis());
      wake = wake == null ? k : Math.min(wake, k);
    }
    if (status.equals(prev)) {
      LOG.debug("VdeNetwork {} (generation {}): unchanged", key(n), gen);
      UpdateControl<VdeNetwork> none = UpdateControl.noUpdate();
      return wake != null ? none.rescheduleAfter(wake) : none;
    }
    n.setStatus(status);
    // the status is recomputed from the whole state each time and reconciles of one object are
    // serialized:
    // apply it without an optimistic lock (a concurrent spec edit would only cause a needless 409
    // and retry)
    n.getMetadata().setResourceVersion(null);
    LOG.info(
        "VdeNetwork {} (generation {}): {} in {} ms",
        key(n),
        gen,
        Conditions.signature(conds, Conditions.READY),
        (System.nanoTime() - t0) / 1_000_000);
    UpdateControl<VdeNetwork> control = UpdateControl.patchStatus(n);
    return wake != null ? control.rescheduleAfter(wake) : control;
  }

  /**
   * The key ring to publish for a sealed network: the Secret's, moved on by one rotation step when
   * one is due.
   */
  private KeyRing.Step nextKeys(
      VdeNetwork n, VdeNetworkSpec spec, Context<VdeNetwork> ctx, Instant now) {
    KeyRing ring = keySecret.ring(n, ctx);
    // the event may come from the rotation-requests informer before the primary's cache has that
    // version
    String request = rotateRequest(rotationRequests.get(ResourceID.fromResource(n)).orElse(n));
    if (ring == null) {
      ring = KeyRing.fresh(newKey(), now, request);
      LOG.info("VdeNetwork {}: new network key {}", key(n), ring.currentId());
    }
    KeyRing.Step step =
        ring.next(
            now,
            spec.encryption().effectiveRotationPeriod(),
            cfg.keyGracePeriod(),
            request,
            this::newKey);
    if (step.ring() != ring) {
      LOG.info(
          "VdeNetwork {}: key rotation {} -> {} (current key {})",
          key(n),
          ring.phase().text(),
          step.ring().phase().text(),
          step.ring().currentId());
    }
    return step;
  }

  private byte[] newKey() {
    byte[] k = new byte[KeyRing.KEY_BYTES];
    random.nextBytes(k);
    return k;
  }

  private static String rotateRequest(VdeNetwork n) {
    Map<String, String> ann = n.getMetadata().getAnnotations();
    return ann == null ? null : ann.get(KeyRing.ROTATE_REQUEST);
  }

  @Override
  public ErrorStatusUpdateControl<VdeNetwork> updateErrorStatus(
      VdeNetwork n, Context<VdeNetwork> ctx, Exception e) {
    LOG.warn("VdeNetwork {}: reconcile failed: {}", key(n), e.toString());
    if (isConflict(e)) {
      return ErrorStatusUpdateControl
          .defaultErrorProcessing(); // a race with another writer: just retry
    }
    VdeNetworkStatus prev = n.getStatus();
    List<Condition> conds =
        Conditions.set(
            prev == null ? null : prev.conditions(),
            Conditions.READY,
            false,
            "ReconcileError",
            String.valueOf(e.getMessage()),
            n.getMetadata().getGeneration(),
            Instant.now());
    n.setStatus(
        NetworkStatusBuilder.from(prev)
            .observedGenerationIfAbsent(n.getMetadata().getGeneration())
            .conditions(conds)
            .build());
    n.getMetadata().setResourceVersion(null);
    return ErrorStatusUpdateControl.patchStatus(n);
  }

  /**
   * @return whether {@code e} (or what it wraps, e.g. a workflow's aggregated error) is an HTTP 409
   */
  private static boolean isConflict(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 409) return true;
      if (t instanceof io.javaoperatorsdk.operator.AggregatedOperatorException agg
          && !agg.getAggregatedExceptions().isEmpty()
          && agg.getAggregatedExceptions().values().stream()
              .allMatch(VdeNetworkReconciler::isConflict)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public DeleteControl cleanup(VdeNetwork n, Context<VdeNetwork> ctx) {
    KubernetesClient client = ctx.getClient();
    String ns = n.getMetadata().getNamespace();
    String name = n.getMetadata().getName();
    NodeReports.NetworkView view =
        NodeReports.network(
            ns, name, liveReports(), renewals(), Instant.now(), cfg.heartbeatTimeout());
    if (view.attachments() > 0) {
      String msg =
          view.attachments()
              + " pod attachment(s) on node(s) "
              + String.join(", ", view.nodesWithAttachments())
              + " still use this network; it is deleted when they are gone";
      VdeNetworkStatus prev = n.getStatus();
      List<Condition> old = prev == null ? null : prev.conditions();
      if (!"False/DeletionBlocked".equals(Conditions.signature(old, Conditions.READY))
          || prev == null
          || !Objects.equals(prev.attachments(), view.attachments())) {
        List<Condition> conds =
            Conditions.set(
                old,
                Conditions.READY,
                false,
                "DeletionBlocked",
                msg,
                n.getMetadata().getGeneration(),
                Instant.now());
        VdeNetwork copy = VdeNetwork.of(ns, name, null);
        copy.setStatus(
            NetworkStatusBuilder.from(prev)
                .observedGenerationIfAbsent(n.getMetadata().getGeneration())
                .conditions(conds)
                .attachments(view.attachments())
                .build());
        client
            .resources(VdeNetwork.class)
            .inNamespace(ns)
            .withName(name)
            .subresource("status")
            .patch(PatchContext.of(PatchType.JSON_MERGE), copy);
        if (!"False/DeletionBlocked".equals(Conditions.signature(old, Conditions.READY))) {
          new EventRecorder(client).emit(n, true, "DeletionBlocked", msg);
        }
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(5_000);
    }
    // ConfigMap, NAD and key Secret deleted
    workflow.cleanup(n, ctx);
    allocator.release(key(n));
    ports.release(key(n));
    new EventRecorder(client)
        .emit(
            n,
            false,
            "Deleted",
            "released VNI "
                + (n.getStatus() == null ? null : n.getStatus().vni())
                + " and group "
                + (n.getStatus() == null ? null : n.getStatus().group())
                + "; agent configuration removed");
    return DeleteControl.defaultDelete();
  }

  private void emitTransitions(
      KubernetesClient client,
      VdeNetwork n,
      VdeNetworkStatus prev,
      VdeNetworkStatus next,
      String oldReady,
      String oldDegraded) {
    EventRecorder events = new EventRecorder(client);
    if ((prev == null || prev.vni() == null && prev.group() == null)
        && (next.vni() != null || next.group() != null)) {
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
      case VXLAN -> "vxlan VNI " + a.vni() + " group " + a.group();
      case LOCAL -> "local switches only";
    };
  }

  private List<String> selectedNodes(Map<String, String> selector) {
    return nodes
        .list()
        .filter(
            node -> {
              Map<String, String> labels =
                  node.getMetadata().getLabels() == null
                      ? Map.of()
                      : node.getMetadata().getLabels();
              return selector.entrySet().stream()
                  .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
            })
        .map(node -> node.getMetadata().getName())
        .sorted()
        .toList();
  }

  /**
   * @return the VdeNodes whose Node still exists (or that name no Node owner: older agents)
   */
  private List<VdeNode> liveReports() {
    Set<String> uids =
        nodes.list().map(node -> node.getMetadata().getUid()).collect(Collectors.toSet());
    return NodeReports.live(vdeNodes.list().toList(), uids);
  }

  /**
   * @return node name to the renewTime of its agent's Lease
   */
  private Map<String, Instant> renewals() {
    return leases == null ? Map.of() : AgentLeases.renewals(leases.list());
  }

  /**
   * @return the nodes with pod attachments on {@code n} (they keep their address block while they
   *     have them)
   */
  private static Set<String> retained(VdeNetwork n, List<VdeNode> reports) {
    return reports.stream()
        .filter(
            v ->
                NodeReports.attachments(
                        n.getMetadata().getNamespace(), n.getMetadata().getName(), v)
                    > 0)
        .map(v -> v.getMetadata().getName())
        .collect(Collectors.toSet());
  }

  /**
   * @return the networks the node's VdeNode lists (a Lease event concerns them only)
   */
  private Set<ResourceID> networksOf(String node) {
    if (node == null || vdeNodes == null) return Set.of();
    return vdeNodes
        .get(new ResourceID(node))
        .map(VdeNode::getStatus)
        .filter(s -> s.networks() != null)
        .map(
            s ->
                s.networks().stream()
                    .map((NodeNetwork nn) -> new ResourceID(nn.name(), nn.namespace()))
                    .collect(Collectors.toSet()))
        .orElse(Set.of());
  }

  /**
   * @return whether a VdeNode update concerns the networks: its address, owner, or network entries
   *     (readiness, attachments) changed — not the heartbeat, the MAC table sizes, the attachment
   *     list or the link counters
   */
  static boolean relevant(VdeNode newer, VdeNode older) {
    return !Objects.equals(newer.getSpec(), older.getSpec())
        || !Objects.equals(
            newer.getMetadata().getOwnerReferences(), older.getMetadata().getOwnerReferences())
        || !Objects.equals(networkSummary(newer), networkSummary(older));
  }

  private static List<String> networkSummary(VdeNode v) {
    if (v.getStatus() == null || v.getStatus().networks() == null) return List.of();
    return v.getStatus().networks().stream()
        .map(
            nn ->
                nn.namespace()
                    + "/"
                    + nn.name()
                    + "="
                    + nn.ready()
                    + ","
                    + nn.attachments()
                    + ","
                    + nn.message())
        .toList();
  }

  private List<String> peers(List<String> selected, List<VdeNode> reports) {
    Set<String> sel = Set.copyOf(selected);
    return reports.stream()
        .filter(v -> sel.contains(v.getMetadata().getName()))
        .filter(v -> v.getSpec() != null && v.getSpec().address() != null)
        .map(v -> v.getSpec().address())
        .sorted()
        .toList();
  }

  /**
   * @return {@code namespace/name}
   */
  static String key(VdeNetwork n) {
    return n.getMetadata().getNamespace() + "/" + n.getMetadata().getName();
  }
}
