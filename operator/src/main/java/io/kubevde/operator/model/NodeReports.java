package io.kubevde.operator.model;

import io.kubevde.api.v1alpha1.NodeLinkPath;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.PathState;
import io.kubevde.api.v1alpha1.PathStatus;
import io.kubevde.api.v1alpha1.VdeNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** Aggregates VdeNode reports (written by the agents) into network and link status. Pure. */
public final class NodeReports {
  private NodeReports() {}

  /**
   * One network's view over all nodes.
   *
   * @param reporting nodes whose agent lists the network
   * @param ready nodes among them that report it ready with a fresh heartbeat
   * @param attachments pod attachments summed over the nodes
   * @param nodesWithAttachments names of the nodes that have attachments, sorted
   * @param failures {@code "<node>: <message>"} for each live node that reports the network not
   *     ready with a reason (e.g. its uplink cannot open), sorted by node
   */
  public record NetworkView(
      int reporting,
      int ready,
      int attachments,
      List<String> nodesWithAttachments,
      List<String> failures) {}

  /**
   * @param namespace the network's namespace
   * @param name the network's name
   * @param nodes every VdeNode
   * @param now the clock
   * @param heartbeatTimeout older heartbeats count as not ready (attachments still count: pods are
   *     still there)
   * @return the aggregate
   */
  public static NetworkView network(
      String namespace,
      String name,
      Collection<VdeNode> nodes,
      Instant now,
      Duration heartbeatTimeout) {
    return network(namespace, name, nodes, Map.of(), now, heartbeatTimeout);
  }

  /**
   * @param namespace the network's namespace
   * @param name the network's name
   * @param nodes every VdeNode (whose Node still exists: see {@link #live})
   * @param renewals node name to its agent Lease's renewTime (agents renew it every 10 s; a node
   *     with no Lease is judged by its status.lastHeartbeat, as written by older agents)
   * @param now the clock
   * @param heartbeatTimeout older heartbeats count as not ready (attachments still count: pods are
   *     still there)
   * @return the aggregate
   */
  public static NetworkView network(
      String namespace,
      String name,
      Collection<VdeNode> nodes,
      Map<String, Instant> renewals,
      Instant now,
      Duration heartbeatTimeout) {
    int reporting = 0, ready = 0, attachments = 0;
    TreeSet<String> withAtt = new TreeSet<>();
    TreeSet<String> failures = new TreeSet<>();
    for (VdeNode node : nodes) {
      if (node.getStatus() == null || node.getStatus().networks() == null) continue;
      boolean fresh = fresh(node, renewals, now, heartbeatTimeout);
      for (NodeNetwork nn : node.getStatus().networks()) {
        if (!namespace.equals(nn.namespace()) || !name.equals(nn.name())) continue;
        reporting++;
        if (fresh && Boolean.TRUE.equals(nn.ready())) ready++;
        if (fresh && !Boolean.TRUE.equals(nn.ready()) && nn.message() != null) {
          failures.add(node.getMetadata().getName() + ": " + nn.message());
        }
        int a = nn.attachments() == null ? 0 : nn.attachments();
        attachments += a;
        if (a > 0) withAtt.add(node.getMetadata().getName());
      }
    }
    return new NetworkView(
        reporting, ready, attachments, List.copyOf(withAtt), List.copyOf(failures));
  }

  /**
   * @param namespace the link's namespace
   * @param link the link's name
   * @param nodes every VdeNode
   * @param now the clock
   * @param heartbeatTimeout stale reports say Unknown
   * @return per-path, per-node state sorted by path then node
   */
  public static List<PathStatus> linkPaths(
      String namespace,
      String link,
      Collection<VdeNode> nodes,
      Instant now,
      Duration heartbeatTimeout) {
    return linkPaths(namespace, link, nodes, Map.of(), now, heartbeatTimeout);
  }

  /**
   * @param namespace the link's namespace
   * @param link the link's name
   * @param nodes every VdeNode
   * @param renewals node name to its agent Lease's renewTime (see {@link #network(String, String,
   *     Collection, Map, Instant, Duration)})
   * @param now the clock
   * @param heartbeatTimeout stale reports say Unknown
   * @return per-path, per-node state sorted by path then node
   */
  public static List<PathStatus> linkPaths(
      String namespace,
      String link,
      Collection<VdeNode> nodes,
      Map<String, Instant> renewals,
      Instant now,
      Duration heartbeatTimeout) {
    List<PathStatus> out = new ArrayList<>();
    for (VdeNode node : nodes) {
      if (node.getStatus() == null || node.getStatus().links() == null) continue;
      boolean fresh = fresh(node, renewals, now, heartbeatTimeout);
      for (NodeLinkPath p : node.getStatus().links()) {
        if (!namespace.equals(p.namespace()) || !link.equals(p.link())) continue;
        out.add(
            new PathStatus(
                p.path(),
                node.getMetadata().getName(),
                fresh ? p.state() : PathState.UNKNOWN,
                p.since(),
                p.rxFrames(),
                p.txFrames(),
                p.rxBytes(),
                p.txBytes(),
                p.message()));
      }
    }
    out.sort(Comparator.comparing(PathStatus::name).thenComparing(PathStatus::node));
    return out;
  }

  static boolean fresh(VdeNode node, Instant now, Duration timeout) {
    return fresh(node, Map.of(), now, timeout);
  }

  /**
   * @return whether the node's agent was heard from within {@code timeout}: its Lease's renewTime
   *     or, for agents that write no Lease, the status' lastHeartbeat (the newer of both counts)
   */
  static boolean fresh(VdeNode node, Map<String, Instant> renewals, Instant now, Duration timeout) {
    Instant renewed = renewals.get(node.getMetadata().getName());
    if (renewed != null && Duration.between(renewed, now).compareTo(timeout) <= 0) return true;
    String hb = node.getStatus().lastHeartbeat();
    if (hb == null) return false;
    try {
      return Duration.between(Instant.parse(hb), now).compareTo(timeout) <= 0;
    } catch (DateTimeParseException e) {
      return false;
    }
  }

  /**
   * Drops the reports of nodes that are gone: a VdeNode owned by a Node (agents set that owner
   * reference) whose uid is not among {@code nodeUids} (the garbage collector removes it soon;
   * until then it must not block anything). VdeNodes without a Node owner (older agents) are kept.
   *
   * @param nodes every VdeNode
   * @param nodeUids uids of the Nodes that exist
   * @return the VdeNodes that still count
   */
  public static List<VdeNode> live(Collection<VdeNode> nodes, Set<String> nodeUids) {
    return nodes.stream()
        .filter(
            v ->
                v.getMetadata().getOwnerReferences() == null
                    || v.getMetadata().getOwnerReferences().stream()
                        .filter(o -> "Node".equals(o.getKind()))
                        .allMatch(o -> nodeUids.contains(o.getUid())))
        .toList();
  }

  /**
   * @param namespace the network's namespace
   * @param name the network's name
   * @param v a VdeNode
   * @return the attachments {@code v} reports for the network (0 when it does not list it)
   */
  public static int attachments(String namespace, String name, VdeNode v) {
    if (v.getStatus() == null || v.getStatus().networks() == null) return 0;
    return v.getStatus().networks().stream()
        .filter(nn -> namespace.equals(nn.namespace()) && name.equals(nn.name()))
        .mapToInt(nn -> nn.attachments() == null ? 0 : nn.attachments())
        .sum();
  }
}
