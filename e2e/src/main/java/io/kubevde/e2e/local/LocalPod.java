package io.kubevde.e2e.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A "pod" of the local cluster: a network namespace {@code /var/run/netns/<netns>} (the sandbox a
 * runtime creates) on a {@link LocalNode}, into which the packaged {@code kubevde} CNI binary is
 * executed exactly as a container runtime (or Multus, as a delegate) does it: from the node's host
 * network, with {@code CNI_COMMAND}, {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code
 * CNI_IFNAME}, {@code CNI_ARGS} ({@code
 * K8S_POD_NAMESPACE;K8S_POD_NAME;K8S_POD_INFRA_CONTAINER_ID;K8S_POD_UID}), {@code CNI_PATH}, and
 * the network configuration on stdin (CNI 1.1, k8s-conventions.md §1.1, §1.6). The only
 * harness-specific variable is {@code KUBEVDE_AGENT_SOCKET}, the node-local socket path (on a real
 * node it is the default /run/kubevde/cni.sock).
 */
public final class LocalPod implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final String namespace;
  private final String name;
  private final String netns;
  private final LocalNode node;
  private final LocalCluster cluster;
  private final String containerId =
      HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes()).substring(0, 64);
  private final String uid = UUID.randomUUID().toString();

  LocalPod(LocalCluster cluster, LocalNode node, String namespace, String name, String netns) {
    this.cluster = cluster;
    this.node = node;
    this.namespace = namespace;
    this.name = name;
    this.netns = netns;
    Cmd.ok("ip", "netns", "add", netns);
    Cmd.okIn(netns, "ip", "link", "set", "lo", "up");
  }

  /**
   * Outcome of one CNI binary execution: exit code, stdout (result or error JSON), stderr, wall
   * time (ms).
   */
  public record CniCall(String command, int exit, String stdout, String stderr, long millis) {
    /** stdout parsed as JSON (a result, or an error object); null when empty. */
    public JsonNode json() {
      try {
        return stdout.isBlank() ? null : JSON.readTree(stdout);
      } catch (Exception e) {
        throw new IllegalStateException(
            "CNI " + command + " printed no JSON: " + stdout + " / " + stderr, e);
      }
    }

    /** Throws IllegalStateException with the output unless the exit code is 0. */
    public CniCall check() {
      if (exit != 0)
        throw new IllegalStateException(
            "CNI " + command + " exited " + exit + ": " + stdout + " " + stderr);
      return this;
    }
  }

  /** The pod's Kubernetes namespace. */
  public String namespace() {
    return namespace;
  }

  /** The pod name. */
  public String name() {
    return name;
  }

  /** The netns name; the path is /var/run/netns/&lt;netns&gt;. */
  public String netns() {
    return netns;
  }

  /** The netns path given as CNI_NETNS. */
  public String netnsPath() {
    return "/var/run/netns/" + netns;
  }

  /** The node the pod runs on. */
  public LocalNode node() {
    return node;
  }

  /** CNI_CONTAINERID (64 hex characters, like a containerd sandbox ID). */
  public String containerId() {
    return containerId;
  }

  /** CNI ADD with {@code config} on stdin and CNI_IFNAME {@code ifname}. */
  public CniCall add(String config, String ifname) {
    return cni("ADD", config, ifname, netnsPath());
  }

  /** CNI DEL (netns given). */
  public CniCall del(String config, String ifname) {
    return cni("DEL", config, ifname, netnsPath());
  }

  /** CNI DEL with an empty CNI_NETNS (CRI's second DEL). */
  public CniCall delWithoutNetns(String config, String ifname) {
    return cni("DEL", config, ifname, "");
  }

  /** CNI CHECK; {@code config} should carry prevResult (see {@link #withPrevResult}). */
  public CniCall check(String config, String ifname) {
    return cni("CHECK", config, ifname, netnsPath());
  }

  /** Runs the CNI binary with CNI_COMMAND {@code command} from the pod's node netns. */
  public CniCall cni(String command, String config, String ifname, String netnsPath) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", containerId);
    env.put("CNI_NETNS", netnsPath);
    env.put("CNI_IFNAME", ifname);
    env.put(
        "CNI_ARGS",
        "IgnoreUnknown=1;K8S_POD_NAMESPACE="
            + namespace
            + ";K8S_POD_NAME="
            + name
            + ";K8S_POD_INFRA_CONTAINER_ID="
            + containerId
            + ";K8S_POD_UID="
            + uid);
    env.put("CNI_PATH", cluster.repo().cniBinDir().toString());
    env.put("KUBEVDE_AGENT_SOCKET", node.cniSocket().toString());
    Cmd.Result r =
        Cmd.run(
            node.netns(),
            env,
            config,
            120,
            List.of(cluster.repo().cniBinDir().resolve("kubevde").toString()));
    return new CniCall(command, r.exit(), r.out(), r.err(), r.millis());
  }

  /**
   * {@code config} with {@code prevResult} set to {@code result} (how runtimes call CHECK and DEL).
   */
  public static String withPrevResult(String config, JsonNode result) {
    try {
      ObjectNode o = (ObjectNode) JSON.readTree(config);
      o.set("prevResult", result);
      return JSON.writeValueAsString(o);
    } catch (Exception e) {
      throw new IllegalArgumentException("bad config: " + config, e);
    }
  }

  /** Runs {@code cmd} inside the pod netns. */
  public Cmd.Result exec(String... cmd) {
    return Cmd.run(netns, Map.of(), null, 120, List.of(cmd));
  }

  /** The IPv4 addresses (without prefix) on {@code ifname} in the pod, or an empty list. */
  public List<String> ipv4(String ifname) {
    Cmd.Result r = exec("ip", "-j", "-4", "addr", "show", "dev", ifname);
    if (!r.ok()) return List.of();
    try {
      JsonNode arr = JSON.readTree(r.out());
      List<String> out = new java.util.ArrayList<>();
      for (JsonNode l : arr)
        for (JsonNode a : l.path("addr_info")) out.add(a.path("local").asText());
      return out;
    } catch (Exception e) {
      return List.of();
    }
  }

  /** Whether {@code ifname} exists in the pod netns. */
  public boolean hasInterface(String ifname) {
    return exec("ip", "link", "show", "dev", ifname).ok();
  }

  /** Deletes the pod netns (what a runtime does after DEL; interfaces inside die with it). */
  @Override
  public void close() {
    Cmd.run("ip", "netns", "del", netns);
  }
}
