package io.kubevde.operator.cli;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.kubevde.api.v1alpha1.NodeNetwork;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNode;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl vde status [-n NS | -A]}: networks, links and nodes with their health in one view
 * (three kubectl-style tables: NETWORKS, LINKS, NODES; a not-ready object shows its condition's
 * reason and message; a node lists the networks it reports not ready). Exit status 0 when
 * everything shown is ready, 1 when something is not, 2 when the cluster cannot be read.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = "Show VdeNetworks, VdeLinks and VdeNodes and their health.")
public final class StatusCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = {"-n", "--namespace"},
      description = "only networks and links of this namespace (default: all)")
  String namespace;

  @Option(
      names = {"-A", "--all-namespaces"},
      description = "all namespaces (the default)")
  boolean all;

  @Mixin Kube kube;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try (KubernetesClient client = kube.client()) {
      boolean healthy = true;
      List<VdeNetwork> networks =
          (namespace == null || all
                  ? client.resources(VdeNetwork.class).inAnyNamespace()
                  : client.resources(VdeNetwork.class).inNamespace(namespace))
              .list()
              .getItems();
      Table nt = new Table("NETWORKS", "READY", "VNI", "NODES", "ATTACHMENTS", "REASON", "MESSAGE");
      for (VdeNetwork n : sorted(networks)) {
        var s = n.getStatus();
        Condition ready = condition(s == null ? null : s.conditions(), "Ready");
        healthy &= isTrue(ready);
        nt.row(
            key(n.getMetadata().getNamespace(), n.getMetadata().getName()),
            ready == null ? "Unknown" : ready.getStatus(),
            s == null ? null : s.vni(),
            s == null || s.nodesTotal() == null ? null : s.nodesReady() + "/" + s.nodesTotal(),
            s == null ? null : s.attachments(),
            isTrue(ready) ? "" : reason(ready),
            isTrue(ready) ? "" : message(ready));
      }
      print(out, nt, "No VdeNetworks found.");
      List<VdeLink> links =
          (namespace == null || all
                  ? client.resources(VdeLink.class).inAnyNamespace()
                  : client.resources(VdeLink.class).inNamespace(namespace))
              .list()
              .getItems();
      Table lt = new Table("LINKS", "READY", "PATHS-UP", "REASON", "MESSAGE");
      for (VdeLink l : sorted(links)) {
        var s = l.getStatus();
        Condition ready = condition(s == null ? null : s.conditions(), "Ready");
        healthy &= isTrue(ready);
        lt.row(
            key(l.getMetadata().getNamespace(), l.getMetadata().getName()),
            ready == null ? "Unknown" : ready.getStatus(),
            s == null ? null : s.pathsUp(),
            isTrue(ready) ? "" : reason(ready),
            isTrue(ready) ? "" : message(ready));
      }
      print(out, lt, "No VdeLinks found.");
      Table ot =
          new Table(
              "NODES", "READY", "ADDRESS", "NETWORKS", "ATTACHMENTS", "HEARTBEAT", "NOT-READY");
      for (VdeNode v : sorted(client.resources(VdeNode.class).list().getItems())) {
        var s = v.getStatus();
        Condition ready = condition(s == null ? null : s.conditions(), "Ready");
        healthy &= isTrue(ready);
        List<NodeNetwork> nets = s == null || s.networks() == null ? List.of() : s.networks();
        String notReady =
            nets.stream()
                .filter(x -> !Boolean.TRUE.equals(x.ready()))
                .map(
                    x ->
                        key(x.namespace(), x.name())
                            + (x.message() == null ? "" : " (" + x.message() + ")"))
                .collect(Collectors.joining(", "));
        ot.row(
            v.getMetadata().getName(),
            ready == null ? "Unknown" : ready.getStatus(),
            v.getSpec() == null ? null : v.getSpec().address(),
            nets.size(),
            s == null ? null : s.attachments(),
            s == null ? null : s.lastHeartbeat(),
            notReady);
      }
      print(out, ot, "No VdeNodes found (no agent has reported).");
      out.flush();
      return healthy ? 0 : 1;
    } catch (KubernetesClientException e) {
      err.println("error: cannot read kubevde objects: " + e.getMessage());
      err.flush();
      return 2;
    }
  }

  private static void print(PrintWriter out, Table t, String none) {
    if (t.isEmpty()) out.println(none);
    else t.print(out);
    out.println();
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> List<T> sorted(
      List<T> items) {
    return items.stream()
        .sorted(
            Comparator.comparing(
                    (T x) -> Objects.requireNonNullElse(x.getMetadata().getNamespace(), ""))
                .thenComparing(x -> x.getMetadata().getName()))
        .toList();
  }

  static Condition condition(List<Condition> conditions, String type) {
    if (conditions == null) return null;
    return conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
  }

  private static boolean isTrue(Condition c) {
    return c != null && "True".equals(c.getStatus());
  }

  private static String reason(Condition c) {
    return c == null ? "NoStatus" : c.getReason();
  }

  private static String message(Condition c) {
    return c == null ? "not reconciled yet" : c.getMessage();
  }

  private static String key(String ns, String name) {
    return ns == null ? name : ns + "/" + name;
  }
}
