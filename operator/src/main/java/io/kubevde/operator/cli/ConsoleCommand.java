package io.kubevde.operator.cli;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.kubevde.api.v1alpha1.VdeNetwork;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kubectl vde console NETWORK (--node NODE | --pod POD) [-n NS]}: the vde-2 management
 * console (read-only: port/print, hash/print, help, …) of a VdeNetwork's switch on one node, by
 * running {@code kubevde-agent console} in that node's agent pod ({@code pods/exec} on the agent
 * pods is the permission it needs: RBAC decides who may look). Commands come from stdin, one per
 * line, interactively or piped ({@code echo port/print | kubectl vde console blue -n demo --node
 * node-1}); the session ends with {@code logout} or the end of stdin. Exit status 0 when the
 * session ended normally, 1 when the agent refused (its reason on stderr, e.g. the network has no
 * switch on that node), 2 for usage or cluster errors (unknown network or pod, no agent on the
 * node).
 */
@Command(
    name = "console",
    mixinStandardHelpOptions = true,
    description = {
      "Open the vde-2 console of a VdeNetwork's switch on one node (read-only).",
      "Commands on stdin, one per line: port/print, hash/print, help, logout.",
      "Example: echo port/print | kubectl vde console blue -n demo --node node-1"
    })
public final class ConsoleCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NETWORK", description = "name or namespace/name")
  String network;

  @Option(
      names = {"-n", "--namespace"},
      description = "namespace of NETWORK and POD (default: ${DEFAULT-VALUE})")
  String namespace = "default";

  @Option(names = "--node", description = "the node whose switch to open")
  String node;

  @Option(names = "--pod", description = "the node of this pod (instead of --node)")
  String pod;

  @Option(
      names = "--agent-namespace",
      description = "where the agents run (default: ${DEFAULT-VALUE})")
  String agentNamespace = AgentPods.NAMESPACE;

  @Option(
      names = "--agent-selector",
      description = "label selector of the agent pods (default: ${DEFAULT-VALUE})")
  String agentSelector = AgentPods.SELECTOR;

  @Mixin Kube kube;

  /** Commands (stdin; tests replace it). */
  InputStream input = System.in;

  /** The console's answers (stdout; tests replace it). */
  OutputStream output = System.out;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    String[] nn = network.contains("/") ? network.split("/", 2) : new String[] {namespace, network};
    String net = nn[0] + "/" + nn[1];
    if (node != null && pod != null) return fail(err, 2, "give --node or --pod, not both");
    try (KubernetesClient client = kube.client()) {
      if (client.resources(VdeNetwork.class).inNamespace(nn[0]).withName(nn[1]).get() == null)
        return fail(err, 2, "VdeNetwork " + net + " not found");
      String on = node;
      if (pod != null) {
        String[] p = pod.contains("/") ? pod.split("/", 2) : new String[] {namespace, pod};
        Pod target = client.pods().inNamespace(p[0]).withName(p[1]).get();
        if (target == null) return fail(err, 2, "pod " + p[0] + "/" + p[1] + " not found");
        on = target.getSpec().getNodeName();
        if (on == null) return fail(err, 2, "pod " + p[0] + "/" + p[1] + " is not scheduled yet");
      }
      if (on == null) return fail(err, 2, "say which node: --node NODE (or --pod POD)");
      Pod agent = AgentPods.onNode(client, agentNamespace, agentSelector, on).orElse(null);
      if (agent == null)
        return fail(
            err,
            2,
            "no running kubevde agent on node " + on + " (in namespace " + agentNamespace + ")");
      ByteArrayOutputStream agentErr = new ByteArrayOutputStream();
      try (ExecWatch watch =
          client
              .pods()
              .inNamespace(agentNamespace)
              .withName(agent.getMetadata().getName())
              .inContainer("agent")
              .redirectingInput()
              .writingOutput(output)
              .writingError(agentErr)
              .exec(AgentPods.AGENT, "console", net)) {
        Thread.ofPlatform().daemon().name("console-stdin").start(() -> pump(watch.getInput()));
        int rc = watch.exitCode().get(24 * 365, TimeUnit.HOURS);
        output.flush();
        String msg = agentErr.toString(StandardCharsets.UTF_8).strip();
        if (rc != 0)
          return fail(
              err, 1, (msg.isEmpty() ? "console failed (" + rc + ")" : msg) + " (node " + on + ")");
        return 0;
      }
    } catch (KubernetesClientException e) {
      return fail(err, 2, e.getMessage());
    }
  }

  /**
   * Copies stdin to the session and ends it with {@code logout} at the end of stdin (the exec
   * stream cannot signal a closed stdin on every cluster: the explicit logout always can).
   */
  private void pump(OutputStream toAgent) {
    try {
      byte[] buf = new byte[4096];
      int n;
      while ((n = input.read(buf)) >= 0) {
        toAgent.write(buf, 0, n);
        toAgent.flush();
      }
      toAgent.write("\nlogout\n".getBytes(StandardCharsets.US_ASCII));
      toAgent.flush();
    } catch (IOException e) {
      // the session ended first
    }
  }

  private static int fail(PrintWriter err, int code, String message) {
    err.println("error: " + message.replaceFirst("^console: ", ""));
    err.flush();
    return code;
  }
}
