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
   */
  public record NetworkView(int reporting, int ready, int attachments, List<String> nodesWithAttachments) {}

  /**
   * @param namespace the network's namespace
   * @param name the network's name
   * @param nodes every VdeNode
   * @param now the clock
   * @param heartbeatTimeout older heartbeats count as not ready (attachments still count: pods are still there)
   * @return the aggregate
   */
  public static NetworkView network(String namespace, String name, Collection<VdeNode> nodes, Instant now,
      Duration heartbeatTimeout) {
    int reporting = 0, ready = 0, attachments = 0;
    TreeSet<String> withAtt = new TreeSet<>();
    for (VdeNode node : nodes) {
      if (node.getStatus() == null || node.getStatus().networks() == null) continue;
      boolean fresh = fresh(node, now, heartbeatTimeout);
      for (NodeNetwork nn : node.getStatus().networks()) {
        if (!namespace.equals(nn.namespace()) || !name.equals(nn.name())) continue;
        reporting++;
        if (fresh && Boolean.TRUE.equals(nn.ready())) ready++;
        int a = nn.attachments() == null ? 0 : nn.attachments();
        attachments += a;
        if (a > 0) withAtt.add(node.getMetadata().getName());
      }
    }
    return new NetworkView(reporting, ready, attachments, List.copyOf(withAtt));
  }

  /**
   * @param namespace the link's namespace
   * @param link the link's name
   * @param nodes every VdeNode
   * @param now the clock
   * @param heartbeatTimeout stale reports say Unknown
   * @return per-path, per-node state sorted by path then node
   */
  public static List<PathStatus> linkPaths(String namespace, String link, Collection<VdeNode> nodes, Instant now,
      Duration heartbeatTimeout) {
    List<PathStatus> out = new ArrayList<>();
    for (VdeNode node : nodes) {
      if (node.getStatus() == null || node.getStatus().links() == null) continue;
      boolean fresh = fresh(node, now, heartbeatTimeout);
      for (NodeLinkPath p : node.getStatus().links()) {
        if (!namespace.equals(p.namespace()) || !link.equals(p.link())) continue;
        out.add(new PathStatus(p.path(), node.getMetadata().getName(), fresh ? p.state() : PathState.UNKNOWN,
            p.since(), p.rxFrames(), p.txFrames(), p.rxBytes(), p.txBytes(), p.message()));
      }
    }
    out.sort(Comparator.comparing(PathStatus::name).thenComparing(PathStatus::node));
    return out;
  }

  static boolean fresh(VdeNode node, Instant now, Duration timeout) {
    String hb = node.getStatus().lastHeartbeat();
    if (hb == null) return false;
    try {
      return Duration.between(Instant.parse(hb), now).compareTo(timeout) <= 0;
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
