package io.kubevde.chart;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.kubevde.api.net.Cidr;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.operator.model.AgentSettings;
import io.kubevde.operator.model.AllocationPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The operator configuration a rendered chart gives its Deployment: the container's {@code
 * --key=value} arguments and the agent-settings ConfigMap file, read with the operator's own {@link
 * AgentSettings#read}.
 */
record RenderedOperator(Deployment deployment, Map<String, String> args, ConfigMap settings) {

  static RenderedOperator of(List<HasMetadata> objs, String fullname) {
    Deployment d = Chart.one(objs, Deployment.class, fullname + "-operator");
    Map<String, String> args = new LinkedHashMap<>();
    for (String a : d.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs()) {
      int eq = a.indexOf('=');
      args.put(eq < 0 ? a : a.substring(0, eq), eq < 0 ? "" : a.substring(eq + 1));
    }
    return new RenderedOperator(
        d, args, Chart.one(objs, ConfigMap.class, fullname + "-agent-settings"));
  }

  /**
   * @return the settings file's content
   */
  String settingsJson() {
    return settings.getData().get("agent-settings.json");
  }

  /**
   * @param tmp where to write the settings file
   * @return the configuration OperatorMain would build from these arguments (HTTP server off)
   */
  OperatorConfig config(Path tmp) throws IOException {
    Path f = Files.writeString(tmp.resolve("agent-settings.json"), settingsJson());
    String[] vni = args.get("--vni-range").split("-");
    return new OperatorConfig(
        args.get("--namespace"),
        args.get("--agent-image"),
        args.get("--agent-image-pull-policy"),
        args.get("--agent-service-account"),
        new AllocationPolicy(
            Integer.parseInt(vni[0]),
            Integer.parseInt(vni[1]),
            Cidr.parseNetwork(args.get("--group-pool"))),
        Duration.ofSeconds(Long.parseLong(args.get("--heartbeat-timeout"))),
        args.containsKey("--leader-election"),
        args.get("--lease-name"),
        -1,
        AgentSettings.read(f),
        Duration.ofSeconds(Long.parseLong(args.get("--key-grace-period"))));
  }
}
