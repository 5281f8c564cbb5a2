package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.agent.attach.SwitchingAttachmentHandler;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.LinkManager;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.api.v1alpha1.NodeAttachment;
import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.api.v1alpha1.VdeNodeStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes this node's VdeNode (cluster-scoped, name = node name, owned by the node's {@code Node} so
 * the garbage collector removes it with the node): spec {@code address}, {@code agentVersion};
 * status {@code networks[]} (namespace, name, ready, attachments, macTableSize), {@code
 * attachments}, {@code attachmentList}, {@code links[]} (per path: state Up/Down, since, rx/tx
 * frames and bytes), {@code macTableSize}, {@code lastHeartbeat} (time of the write) — the fields
 * the operator's {@code NodeReports} aggregates; and renews the node's heartbeat Lease ({@link
 * NodeLease}). Called periodically (heartbeat): the Lease is renewed every call, the status is
 * written only when something but the counters changed, at most every {@link #COUNTERS_PERIOD} for
 * counters alone, and at least every {@link #RESYNC_PERIOD}.
 */
public final class VdeNodeReporter {
  private static final Logger LOG = LoggerFactory.getLogger(VdeNodeReporter.class);

  private final KubernetesClient client;
  private final String nodeName;
  private final String address;
  private final String version;
  private final DataPlane dataPlane;
  private final LinkManager links;
  private final NodeLease lease;
  private final java.util.function.Supplier<List<SwitchingAttachmentHandler.Unattached>> unattached;
  private OwnerReference owner;
  private VdeNodeStatus written;
  private volatile Condition lastHealthy;
  private Instant writtenAt = Instant.EPOCH;

  /** Longest time link counters (frames, bytes) and MAC table sizes may go unreported. */
  public static final Duration COUNTERS_PERIOD = Duration.ofSeconds(60);

  /** The status is rewritten at least this often (recreates a VdeNode deleted by hand). */
  public static final Duration RESYNC_PERIOD = Duration.ofMinutes(5);

  /**
   * @param client the API client
   * @param nodeName this node (the VdeNode name)
   * @param address underlay address for spec.address, or null
   * @param version agent version
   * @param dataPlane networks and attachments
   * @param links link paths
   * @param leaseNamespace where the heartbeat Lease lives (the agent's config namespace), or null
   *     for none
   */
  public VdeNodeReporter(
      KubernetesClient client,
      String nodeName,
      String address,
      String version,
      DataPlane dataPlane,
      LinkManager links,
      String leaseNamespace) {
    this(client, nodeName, address, version, dataPlane, links, leaseNamespace, List::of);
  }

  /**
   * @param unattached the attachments whose re-attach fails ({@link
   *     SwitchingAttachmentHandler#unattachedDetail}): the {@code AttachmentsHealthy} condition
   */
  public VdeNodeReporter(
      KubernetesClient client,
      String nodeName,
      String address,
      String version,
      DataPlane dataPlane,
      LinkManager links,
      String leaseNamespace,
      java.util.function.Supplier<List<SwitchingAttachmentHandler.Unattached>> unattached) {
    this.unattached = unattached;
    this.lease = leaseNamespace == null ? null : new NodeLease(client, leaseNamespace, nodeName);
    this.client = client;
    this.nodeName = nodeName;
    this.address = address;
    this.version = version;
    this.dataPlane = dataPlane;
    this.links = links;
  }

  /** The status as of now. */
  public VdeNodeStatus status() {
    List<NodeNetwork> nets = new ArrayList<>();
    int macs = 0;
    List<AttachmentRecord> recs = dataPlane.attachments();
    for (NetworkSwitch sw : dataPlane.networks()) {
      int m = sw.node().macTableSize();
      macs += m;
      String key = sw.config().key();
      int att = (int) recs.stream().filter(r -> r.vdeNetwork().equals(key)).count();
      // a network whose egress gateway cannot run here is not ready here (its pods have no egress)
      String egressError = dataPlane.egressError(key).orElse(null);
      nets.add(
          new NodeNetwork(
              sw.config().namespace(),
              sw.config().name(),
              sw.ready() && egressError == null,
              att,
              m,
              sw.ready() ? egressError : sw.uplinkError()));
    }
    nets.sort(Comparator.comparing(NodeNetwork::namespace).thenComparing(NodeNetwork::name));
    List<NodeAttachment> list = new ArrayList<>();
    for (AttachmentRecord r : recs) {
      String pod =
          r.pod().containsKey("K8S_POD_NAME")
              ? r.pod().getOrDefault("K8S_POD_NAMESPACE", "") + "/" + r.pod().get("K8S_POD_NAME")
              : null;
      list.add(
          new NodeAttachment(
              r.vdeNetwork(),
              pod,
              r.key().containerId(),
              r.key().ifName(),
              r.mac(),
              r.ips().isEmpty() ? null : r.ips().getFirst()));
    }
    list.sort(
        Comparator.comparing(NodeAttachment::network).thenComparing(NodeAttachment::containerId));
    List<NodeLinkPath> paths = new ArrayList<>();
    for (LinkManager.PathState p : links.status()) {
      paths.add(
          new NodeLinkPath(
              p.namespace(),
              p.link(),
              p.path(),
              p.up() ? PathState.UP : p.refused() != null ? PathState.REFUSED : PathState.DOWN,
              p.since(),
              p.stats() == null ? null : p.stats().rxFrames(),
              p.stats() == null ? null : p.stats().txFrames(),
              p.stats() == null ? null : p.stats().rxBytes(),
              p.stats() == null ? null : p.stats().txBytes(),
              p.refused()));
    }
    Condition healthy = AttachmentsCondition.of(unattached.get(), lastHealthy, Instant.now());
    lastHealthy = healthy;
    return new VdeNodeStatus(
        nets,
        recs.size(),
        list,
        paths,
        macs,
        Instant.now().toString(),
        List.of(ready(nets), healthy));
  }

  /**
   * The node's Ready condition: True when every network it serves is ready (none: True too, the
   * agent serves CNI requests), False naming the others with their reasons. lastTransitionTime is
   * kept from the last written status while the condition's status stays the same.
   */
  private Condition ready(List<NodeNetwork> nets) {
    List<String> bad =
        nets.stream()
            .filter(n -> !Boolean.TRUE.equals(n.ready()))
            .map(
                n ->
                    n.namespace()
                        + "/"
                        + n.name()
                        + (n.message() == null ? "" : " (" + n.message() + ")"))
            .toList();
    String status = bad.isEmpty() ? "True" : "False";
    String since = Instant.now().toString();
    if (written != null && written.conditions() != null) {
      for (Condition c : written.conditions()) {
        if ("Ready".equals(c.getType()) && status.equals(c.getStatus()))
          since = c.getLastTransitionTime();
      }
    }
    return new ConditionBuilder()
        .withType("Ready")
        .withStatus(status)
        .withReason(bad.isEmpty() ? "NetworksReady" : "NetworksNotReady")
        .withMessage(
            bad.isEmpty()
                ? nets.size() + " network(s) ready"
                : "not ready: " + String.join(", ", bad))
        .withLastTransitionTime(since)
        .build();
  }

  /**
   * Renews the Lease; creates the VdeNode if needed, fixes its spec and owner, writes the status
   * when it changed. Errors are logged (retried next beat).
   */
  public void report() {
    if (lease != null) lease.renew();
    VdeNodeStatus now = status();
    Duration age = Duration.between(writtenAt, Instant.now());
    if (written != null
        && age.compareTo(RESYNC_PERIOD) < 0
        && significant(now).equals(significant(written))
        && (counters(now).equals(counters(written)) || age.compareTo(COUNTERS_PERIOD) < 0)) {
      return;
    }
    try {
      var res = client.resources(VdeNode.class).withName(nodeName);
      VdeNode cur = res.get();
      VdeNodeSpec spec = new VdeNodeSpec(address, version);
      OwnerReference own = owner();
      List<OwnerReference> owners = own == null ? null : List.of(own);
      if (cur == null) {
        VdeNode n = new VdeNode();
        n.setMetadata(
            new ObjectMetaBuilder()
                .withName(nodeName)
                .withOwnerReferences(owners)
                .addToLabels("app.kubernetes.io/managed-by", "kubevde-agent")
                .build());
        n.setSpec(spec);
        cur = client.resources(VdeNode.class).resource(n).create();
      } else if (!Objects.equals(cur.getSpec(), spec)
          || own != null && !Objects.equals(cur.getMetadata().getOwnerReferences(), owners)) {
        cur.setSpec(spec);
        if (own != null) cur.getMetadata().setOwnerReferences(owners);
        cur = client.resources(VdeNode.class).resource(cur).update();
      }
      cur.setStatus(now);
      client.resources(VdeNode.class).resource(cur).updateStatus();
      written = now;
      writtenAt = Instant.now();
    } catch (KubernetesClientException e) {
      LOG.warn("VdeNode " + nodeName + ": " + e.getMessage());
    }
  }

  /**
   * Forgets what was written: the next {@link #report} writes the status (tests; a deleted
   * VdeNode).
   */
  public void invalidate() {
    written = null;
  }

  /**
   * @return the owner reference to this node's Node (its uid read once), or null while the Node is
   *     not found
   */
  private OwnerReference owner() {
    if (owner == null) {
      Node node = client.nodes().withName(nodeName).get();
      if (node != null) {
        owner =
            new OwnerReferenceBuilder()
                .withApiVersion("v1")
                .withKind("Node")
                .withName(nodeName)
                .withUid(node.getMetadata().getUid())
                .build();
      }
    }
    return owner;
  }

  /** The status without the heartbeat time and the counters (what the operator acts on). */
  private static List<Object> significant(VdeNodeStatus s) {
    List<Object> nets =
        s.networks().stream()
            .map(
                n ->
                    List.of(
                        n.namespace(),
                        n.name(),
                        String.valueOf(n.ready()),
                        String.valueOf(n.attachments()),
                        String.valueOf(n.message())))
            .collect(java.util.stream.Collectors.toList());
    List<Object> paths =
        s.links().stream()
            .map(
                p ->
                    List.of(
                        p.namespace(),
                        p.link(),
                        p.path(),
                        String.valueOf(p.state()),
                        String.valueOf(p.since())))
            .collect(java.util.stream.Collectors.toList());
    List<Object> conds = new ArrayList<>();
    if (s.conditions() != null) {
      for (Condition c : s.conditions()) {
        conds.add(List.of(c.getType(), c.getStatus(), c.getReason(), c.getMessage()));
      }
    }
    return List.of(nets, s.attachmentList(), paths, conds);
  }

  /** The counters only: link frames/bytes, MAC table sizes. */
  private static List<Object> counters(VdeNodeStatus s) {
    List<Object> out = new ArrayList<>();
    s.networks().forEach(n -> out.add(String.valueOf(n.macTableSize())));
    s.links()
        .forEach(
            p ->
                out.add(
                    List.of(
                        String.valueOf(p.rxFrames()),
                        String.valueOf(p.txFrames()),
                        String.valueOf(p.rxBytes()),
                        String.valueOf(p.txBytes()))));
    return out;
  }
}
