package io.kubevde.operator.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl vde capture NETWORK [--pod POD] [--node NODE] [-c N] -w FILE}: captures a
 * VdeNetwork's frames on one node as pcapng, by running {@code kubevde-agent capture} in that
 * node's agent pod ({@code pods/exec} on the agent pods is the permission it needs: RBAC decides
 * who may capture). NETWORK is {@code name} in {@code -n}'s namespace or {@code namespace/name};
 * with {@code --pod} the node is the pod's and only its frames are kept. Exit status 0 when the
 * capture ended normally, 1 when the agent refused (its reason on stderr), 2 for usage or cluster
 * errors.
 */
@Command(
    name = "capture",
    mixinStandardHelpOptions = true,
    description = "Capture a VdeNetwork's traffic on one node as pcapng (tcpdump -r, Wireshark).")
public final class CaptureCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NETWORK", description = "name or namespace/name")
  String network;

  @Option(
      names = {"-n", "--namespace"},
      description = "namespace of NETWORK and POD (default: ${DEFAULT-VALUE})")
  String namespace = "default";

  @Option(names = "--pod", description = "only this pod's frames (and its node)")
  String pod;

  @Option(names = "--node", description = "the node to capture on (not needed with --pod)")
  String node;

  @Option(
      names = {"-c", "--count"},
      description = "stop after this many frames (default: until interrupted)")
  long count;

  @Option(
      names = {"-w", "--write"},
      required = true,
      paramLabel = "FILE",
      description = "pcapng output, - = stdout")
  String file;

  @Option(
      names = "--agent-namespace",
      description = "where the agents run (default: ${DEFAULT-VALUE})")
  String agentNamespace = AgentPods.NAMESPACE;

  @Option(
      names = "--agent-selector",
      description = "label selector of the agent pods (default: ${DEFAULT-VALUE})")
  String agentSelector = AgentPods.SELECTOR;

  @Mixin Kube kube;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    String net = network.contains("/") ? network : namespace + "/" + network;
    try (KubernetesClient client = kube.client()) {
      String on = node;
      String podKey = null;
      if (pod != null) {
        String[] p = pod.contains("/") ? pod.split("/", 2) : new String[] {namespace, pod};
        Pod target = client.pods().inNamespace(p[0]).withName(p[1]).get();
        if (target == null) return fail(err, 2, "pod " + p[0] + "/" + p[1] + " not found");
        if (target.getSpec().getNodeName() == null)
          return fail(err, 2, "pod " + p[0] + "/" + p[1] + " is not scheduled yet");
        on = target.getSpec().getNodeName();
        podKey = p[0] + "/" + p[1];
      }
      if (on == null) return fail(err, 2, "say which node: --node NODE (or --pod POD)");
      String where = on;
      Pod agent = AgentPods.onNode(client, agentNamespace, agentSelector, where).orElse(null);
      if (agent == null)
        return fail(
            err,
            2,
            "no running kubevde agent on node " + on + " (in namespace " + agentNamespace + ")");
      List<String> cmd = new ArrayList<>(List.of(AgentPods.AGENT, "capture", net, "-w", "-"));
      if (podKey != null) cmd.addAll(List.of("--pod", podKey));
      if (count > 0) cmd.addAll(List.of("-c", Long.toString(count)));
      ByteArrayOutputStream agentErr = new ByteArrayOutputStream();
      try (OutputStream out = file.equals("-") ? System.out : Files.newOutputStream(Path.of(file));
          ExecWatch watch =
              client
                  .pods()
                  .inNamespace(agentNamespace)
                  .withName(agent.getMetadata().getName())
                  .inContainer("agent")
                  .writingOutput(out)
                  .writingError(agentErr)
                  .exec(cmd.toArray(String[]::new))) {
        int rc = watch.exitCode().get(count > 0 ? 24 : 24 * 365, TimeUnit.HOURS);
        out.flush();
        String msg = agentErr.toString(StandardCharsets.UTF_8).strip();
        if (rc != 0) return fail(err, 1, msg.isEmpty() ? "capture failed (" + rc + ")" : msg);
        if (!msg.isEmpty()) err.println(msg + " (node " + on + ")");
        err.flush();
        return 0;
      }
    } catch (KubernetesClientException e) {
      return fail(err, 2, e.getMessage());
    }
  }

  private static int fail(PrintWriter err, int code, String message) {
    err.println("error: " + message.replaceFirst("^capture: ", ""));
    err.flush();
    return code;
  }
}
