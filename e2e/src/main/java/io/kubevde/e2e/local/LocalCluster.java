package io.kubevde.e2e.local;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A local Kubernetes cluster for end-to-end tests and the demo (architecture.md §8.4): the real
 * control plane ({@link ControlPlane}), the CRDs (kubevde's and Multus'
 * NetworkAttachmentDefinition), the operator ({@code java -jar operator/target/operator.jar}), N
 * "nodes" ({@link LocalNode}: a netns on the {@link Underlay} bridge, a Node object, one agent
 * process) and "pods" ({@link LocalPod}). Everything is started by {@link #start} and removed by
 * {@link #close} (processes by PID, netns, bridge, temp dir), also when start fails.
 *
 * <p>Names are unique per cluster ({@code kvl<N>-…}, N = the underlay index), so several clusters
 * can run at once.
 */
public final class LocalCluster implements AutoCloseable {
  /** The namespace of the operator, its ConfigMaps and the agents. */
  public static final String SYSTEM_NAMESPACE = "kubevde-system";

  private final Repo repo;
  private final Path dir;
  private final PrintStream progress;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final List<LocalNode> nodes = new ArrayList<>();
  private final List<LocalPod> pods = new ArrayList<>();
  private Underlay underlay;
  private ControlPlane controlPlane;
  private Daemon operator;

  /** -Dkubevde.e2e.keep=true keeps the temp dir (logs, state) after close, for debugging. */
  private final boolean keepDir = Boolean.getBoolean("kubevde.e2e.keep");

  private final List<String> agentArgs;

  private LocalCluster(Repo repo, Path dir, PrintStream progress, List<String> agentArgs) {
    this.repo = repo;
    this.dir = dir;
    this.progress = progress;
    this.agentArgs = List.copyOf(agentArgs);
  }

  /**
   * Starts a cluster with {@code nodeCount} nodes (named node-1 … node-N); progress lines go to
   * {@code progress}.
   *
   * @throws IllegalStateException or IOException when a part does not start (everything started is
   *     removed)
   */
  public static LocalCluster start(int nodeCount, PrintStream progress) throws IOException {
    return start(nodeCount, progress, List.of());
  }

  /**
   * Starts a cluster like {@link #start(int, PrintStream)} whose agents get {@code agentArgs}
   * appended to their command line (e.g. {@code --reconcile-seconds 10}; benchmarks).
   */
  public static LocalCluster start(int nodeCount, PrintStream progress, List<String> agentArgs)
      throws IOException {
    Repo repo = Repo.locate();
    LocalCluster c =
        new LocalCluster(repo, Files.createTempDirectory("kubevde-local-"), progress, agentArgs);
    try {
      c.boot(nodeCount);
      return c;
    } catch (RuntimeException | IOException e) {
      c.close();
      throw e;
    }
  }

  private void boot(int nodeCount) throws IOException {
    long t0 = System.currentTimeMillis();
    step("control-plane binaries (e2e/cluster/k8s-binaries; the first run builds them, ~9 min)");
    Path bin = repo.k8sBinDir();
    underlay = Underlay.create();
    closeables.add(underlay);
    step("underlay bridge " + underlay.bridge() + " " + underlay.hostAddress() + "/24");
    step("etcd + kube-apiserver on " + underlay.hostAddress() + ":6443");
    controlPlane = ControlPlane.start(bin, dir.resolve("control-plane"), underlay.hostAddress());
    closeables.add(controlPlane);
    step("CRDs (" + repo.crdDir() + ", NetworkAttachmentDefinition)");
    kubectl(
        "apply",
        "-f",
        repo.crdDir().toString(),
        "-f",
        repo.root().resolve("e2e/local/nad-crd.yaml").toString());
    kubectl(
        "wait",
        "--for=condition=Established",
        "--timeout=60s",
        "crd/vdenetworks.kubevde.io",
        "crd/vdelinks.kubevde.io",
        "crd/vdenodes.kubevde.io",
        "crd/network-attachment-definitions.k8s.cni.cncf.io");
    kubectl("create", "namespace", SYSTEM_NAMESPACE);
    for (int i = 1; i <= nodeCount; i++) {
      String name = "node-" + i;
      String addr = underlay.nodeAddress(i);
      kubectlStdin(nodeManifest(name), "apply", "-f", "-");
      kubectl(
          "patch",
          "node",
          name,
          "--subresource=status",
          "--type=merge",
          "-p",
          "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\""
              + addr
              + "\"},"
              + "{\"type\":\"Hostname\",\"address\":\""
              + name
              + "\"}],"
              + "\"conditions\":[{\"type\":\"Ready\",\"status\":\"True\",\"reason\":\"KubevdeLocal\","
              + "\"message\":\"local e2e node\"}]}}");
    }
    step("operator (java -jar operator/target/operator.jar --namespace " + SYSTEM_NAMESPACE + ")");
    operator =
        Daemon.start(
            "operator",
            dir,
            null,
            Map.of("KUBECONFIG", controlPlane.kubeconfig().toString()),
            List.of(
                java(),
                "-XX:+UseSerialGC",
                "-jar",
                repo.operatorJar().toString(),
                "--namespace",
                SYSTEM_NAMESPACE,
                "--no-leader-election",
                "--http-port",
                Integer.toString(ControlPlane.freePort())));
    closeables.add(operator);
    LocalNode.AgentLauncher launcher =
        new LocalNode.AgentLauncher(
            repo, controlPlane.kubeconfig(), SYSTEM_NAMESPACE, dir, agentArgs);
    for (int i = 1; i <= nodeCount; i++) {
      String netns = "kvl" + underlay.index() + "-node-" + i;
      Cmd.ok("ip", "netns", "add", netns);
      LocalNode n =
          new LocalNode(
              "node-" + i, netns, underlay.nodeAddress(i), dir.resolve("node-" + i), launcher);
      nodes.add(n);
      closeables.add(n);
      underlay.attach(netns, i);
      step("node " + n.name() + ": netns " + netns + ", " + n.address() + ", agent");
      n.startAgent();
    }
    operator.assertAlive();
    step(
        "cluster up in "
            + (System.currentTimeMillis() - t0)
            + " ms; KUBECONFIG="
            + controlPlane.kubeconfig());
  }

  private static String nodeManifest(String name) {
    return """
                apiVersion: v1
                kind: Node
                metadata:
                  name: %s
                  labels: {kubernetes.io/hostname: %s, kubernetes.io/os: linux, kubevde.io/local-e2e: "true"}
                """
        .formatted(name, name);
  }

  /** The repository the artifacts come from. */
  public Repo repo() {
    return repo;
  }

  /** The control plane. */
  public ControlPlane controlPlane() {
    return controlPlane;
  }

  /** The operator process. */
  public Daemon operator() {
    return operator;
  }

  /** The nodes, in order node-1 … node-N. */
  public List<LocalNode> nodes() {
    return List.copyOf(nodes);
  }

  /** Node i (1-based). */
  public LocalNode node(int i) {
    return nodes.get(i - 1);
  }

  /** The underlay. */
  public Underlay underlay() {
    return underlay;
  }

  /** The cluster's temp dir (logs of every process: *.log). */
  public Path dir() {
    return dir;
  }

  /**
   * Creates a pod sandbox (netns {@code kvl<N>-<name>}) on {@code node}; the caller runs CNI into
   * it. Closed with the cluster at the latest.
   */
  public LocalPod pod(LocalNode node, String namespace, String name) {
    LocalPod p = new LocalPod(this, node, namespace, name, "kvl" + underlay.index() + "-" + name);
    pods.add(p);
    return p;
  }

  /**
   * Runs kubectl against this cluster.
   *
   * @return stdout
   * @throws IllegalStateException when kubectl exits non-zero (with its stderr)
   */
  public String kubectl(String... args) {
    return kubectlStdin(null, args);
  }

  /** Runs kubectl with {@code stdin}; throws like {@link #kubectl}. */
  public String kubectlStdin(String stdin, String... args) {
    return kubectlResult(stdin, args).check().out();
  }

  /** Runs kubectl and returns the full result (no exception on failure). */
  public Cmd.Result kubectlResult(String stdin, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                controlPlane.kubectl().toString(),
                "--kubeconfig",
                controlPlane.kubeconfig().toString()));
    cmd.addAll(List.of(args));
    return Cmd.run(null, Map.of(), stdin, 120, cmd);
  }

  /**
   * The CNI network configuration Multus would pass for network {@code ns/name}: the operator's
   * NetworkAttachmentDefinition {@code spec.config}, waited for up to {@code timeoutMs}.
   *
   * @throws IllegalStateException when the NAD does not appear in time
   */
  public String nadConfig(String ns, String name, long timeoutMs) {
    long end = System.currentTimeMillis() + timeoutMs;
    Cmd.Result r = null;
    while (System.currentTimeMillis() < end) {
      r =
          kubectlResult(
              null,
              "get",
              "network-attachment-definitions.k8s.cni.cncf.io",
              "-n",
              ns,
              name,
              "-o",
              "jsonpath={.spec.config}");
      if (r.ok() && !r.out().isBlank()) return r.out();
      operator.assertAlive();
      ControlPlane.sleep(500);
    }
    throw new IllegalStateException(
        "no NetworkAttachmentDefinition "
            + ns
            + "/"
            + name
            + " after "
            + timeoutMs
            + " ms: "
            + (r == null ? "" : r.err())
            + "\noperator log:\n"
            + operator.tail(3000));
  }

  private void step(String s) {
    if (progress != null) progress.println("==> " + s);
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Removes pods, agents, nodes, operator, control plane, bridge and the temp dir (unless kept).
   */
  @Override
  public synchronized void close() {
    for (LocalPod p : pods.reversed()) p.close();
    for (AutoCloseable c : closeables.reversed()) {
      try {
        c.close();
      } catch (Exception e) {
        if (progress != null) progress.println("cleanup: " + e);
      }
    }
    closeables.clear();
    pods.clear();
    if (keepDir) {
      if (progress != null) progress.println("kept " + dir);
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
