package io.kubevde.e2e.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A "node" of the local cluster: a network namespace on the {@link Underlay} bridge (the node's
 * host network) running one agent process, started with {@code ip netns exec} exactly as the
 * operator's DaemonSet would start it with hostNetwork: {@code NODE_NAME}, {@code KUBECONFIG}, and
 * node-local paths (a kubelet-less node has no /run/kubevde of its own, so each node gets {@code
 * <dir>/run}, {@code <dir>/state}, {@code <dir>/run/cni.sock}).
 */
public final class LocalNode implements AutoCloseable {
  private final String name;
  private final String netns;
  private final String address;
  private final Path dir;
  private final AgentLauncher launcher;
  private Daemon agent;
  private int starts;

  LocalNode(String name, String netns, String address, Path dir, AgentLauncher launcher)
      throws IOException {
    this.name = name;
    this.netns = netns;
    this.address = address;
    this.dir = dir;
    this.launcher = launcher;
    Files.createDirectories(runDir());
    Files.createDirectories(stateDir());
  }

  /** The Kubernetes Node name. */
  public String name() {
    return name;
  }

  /** The node's network namespace (its "host network"). */
  public String netns() {
    return netns;
  }

  /** The node's underlay address. */
  public String address() {
    return address;
  }

  /** The agent's --run-dir (holds net/&lt;ns&gt;/&lt;name&gt; rendezvous dirs). */
  public Path runDir() {
    return dir.resolve("run");
  }

  /** The agent's --state-dir (attachments/, ipam/). */
  public Path stateDir() {
    return dir.resolve("state");
  }

  /** The agent's CNI socket. */
  public Path cniSocket() {
    return runDir().resolve("cni.sock");
  }

  /** The vde:// rendezvous directory of network {@code ns/name} on this node. */
  public Path networkDir(String ns, String net) {
    return runDir().resolve("net").resolve(ns).resolve(net);
  }

  /** The running agent (null before {@link #startAgent}). */
  public Daemon agent() {
    return agent;
  }

  /**
   * Starts the agent and waits until its CNI socket exists and it printed "ready" (60 s).
   *
   * @throws IllegalStateException when it exits or is not ready in time (with its log)
   */
  public void startAgent() {
    startAgent(60_000);
  }

  /**
   * Starts the agent like {@link #startAgent()}, waiting up to {@code timeoutMs}; when it is not
   * ready in time it stays running (the caller may {@link #killAgent} it).
   */
  public void startAgent(long timeoutMs) {
    starts++;
    agent = launcher.start(this, "agent-" + name + (starts > 1 ? "-" + starts : ""));
    long end = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < end) {
      agent.assertAlive();
      if (Files.exists(cniSocket()) && agent.output().contains("ready")) return;
      ControlPlane.sleep(100);
    }
    throw new IllegalStateException(
        "agent on " + name + " not ready in " + timeoutMs / 1000 + " s:\n" + agent.tail(4000));
  }

  /**
   * Replaces the running agent gracefully, as a DaemonSet rolling update with {@code maxSurge: 1}
   * does: a second agent starts beside it (same run and state dirs), takes its taps and uplink
   * sockets over the hand-over socket (agent/README.md "Hand-over"), and the old one prints "handed
   * over" and exits ({@code --after-handover=exit}, the default).
   *
   * @param timeoutMs how long the new agent may take to be ready
   * @throws IllegalStateException when the new agent is not ready in time, or the old one did not
   *     hand over and exit within 30 s (with their logs)
   */
  public void replaceAgent(long timeoutMs) {
    Daemon old = agent;
    startAgent(timeoutMs);
    if (!old.waitFor(30) || !old.output().contains("handed over"))
      throw new IllegalStateException(
          "old agent on " + name + " did not hand over and exit:\n" + old.tail(4000));
  }

  /** SIGKILL to the agent (no cleanup runs: the socket file stays behind, as after a crash). */
  public void killAgent() {
    agent.kill9();
  }

  /** Stops the agent (SIGTERM) and deletes the netns. */
  @Override
  public void close() {
    if (agent != null) agent.close();
    Cmd.run("ip", "netns", "del", netns);
  }

  /** Starts agent processes for nodes; knows which options the agent build understands. */
  static final class AgentLauncher {
    private final Repo repo;
    private final Path kubeconfig;
    private final String namespace;
    private final Path logDir;
    private final String help;
    private final List<String> extraArgs;

    AgentLauncher(
        Repo repo, Path kubeconfig, String namespace, Path logDir, List<String> extraArgs) {
      this.extraArgs = List.copyOf(extraArgs);
      this.repo = repo;
      this.kubeconfig = kubeconfig;
      this.namespace = namespace;
      this.logDir = logDir;
      this.help =
          Cmd.run(
                  null,
                  Map.of(),
                  null,
                  60,
                  List.of(
                      java(),
                      "--enable-native-access=ALL-UNNAMED",
                      "-cp",
                      repo.agentClassPath(),
                      "io.kubevde.agent.AgentMain",
                      "--help"))
              .out();
    }

    /** Whether the agent build accepts {@code option}. */
    boolean supports(String option) {
      return help.contains(option);
    }

    Daemon start(LocalNode node, String name) {
      List<String> cmd =
          new ArrayList<>(
              List.of(
                  java(),
                  "--enable-native-access=ALL-UNNAMED",
                  "-XX:+UseSerialGC",
                  "-Xss512k",
                  "-cp",
                  repo.agentClassPath(),
                  "io.kubevde.agent.AgentMain",
                  "--cni-socket",
                  node.cniSocket().toString(),
                  "--state-dir",
                  node.stateDir().toString()));
      // options of the full agent (data plane + Kubernetes side); an agent build without them
      // ignores them
      if (supports("--run-dir")) cmd.addAll(List.of("--run-dir", node.runDir().toString()));
      if (supports("--kubeconfig")) cmd.addAll(List.of("--kubeconfig", kubeconfig.toString()));
      if (supports("--namespace")) cmd.addAll(List.of("--namespace", namespace));
      if (supports("--node-name")) cmd.addAll(List.of("--node-name", node.name()));
      if (supports("--node-address")) cmd.addAll(List.of("--node-address", node.address()));
      // the lab VdeLink of the e2e tests (vde:// into a switch on a host outside the cluster) is an
      // admin's link
      // in namespace default: as a site would (chart linkPolicy.systemNamespaces), default is a
      // system namespace
      if (supports("--link-system-namespaces"))
        cmd.addAll(List.of("--link-system-namespaces", "default"));
      cmd.addAll(extraArgs);
      return Daemon.start(
          name,
          logDir,
          node.netns(),
          Map.of(
              "NODE_NAME",
              node.name(),
              "NODE_IP",
              node.address(),
              "KUBECONFIG",
              kubeconfig.toString(),
              "POD_NAMESPACE",
              namespace),
          cmd);
    }

    private static String java() {
      return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
  }
}
