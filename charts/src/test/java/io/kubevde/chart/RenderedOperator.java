package io.kubevde.chart;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubevde.api.net.Cidr;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.operator.model.AllocationPolicy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator configuration a rendered chart gives its Deployment: the container's {@code
 * --key=value} arguments.
 */
record RenderedOperator(Deployment deployment, Map<String, String> args) {

  static RenderedOperator of(List<HasMetadata> objs, String fullname) {
    Deployment d = Chart.one(objs, Deployment.class, fullname + "-operator");
    Map<String, String> args = new LinkedHashMap<>();
    for (String a : d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()) {
      int eq = a.indexOf('=');
      args.put(eq < 0 ? a : a.substring(0, eq), eq < 0 ? "" : a.substring(eq + 1));
    }
    return new RenderedOperator(d, args);
  }

  /**
   * @return the configuration OperatorMain would build from these arguments (HTTP server off)
   */
  OperatorConfig config() {
    String[] vni = args.get("--vni-range").split("-");
    return new OperatorConfig(
        args.get("--namespace"),
        new AllocationPolicy(
            Integer.parseInt(vni[0]),
            Integer.parseInt(vni[1]),
            Cidr.parseNetwork(args.get("--group-pool"))),
        Duration.ofSeconds(Long.parseLong(args.get("--heartbeat-timeout"))),
        args.containsKey("--leader-election"),
        args.get("--lease-name"),
        -1,
        args.containsKey("--multus"),
        Duration.ofSeconds(Long.parseLong(args.get("--key-grace-period"))),
        args.containsKey("--underlay-cidrs")
            ? java.util.List.of(args.get("--underlay-cidrs").split(","))
            : java.util.List.of());
  }
}
