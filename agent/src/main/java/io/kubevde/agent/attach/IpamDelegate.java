package io.kubevde.agent.attach;

import io.kubevde.agent.model.AttachRequest;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.Json;
import io.kubevde.cni.protocol.JsonException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Delegation to an IPAM plugin named by {@code ipam.type} when it is not the agent's own (CNI SPEC
 * 1.1.0 §4 "Delegated plugin protocol"): the binary {@code <dir>/<type>} of the first CNI_PATH
 * directory holding it is run with the request's CNI environment ({@code CNI_COMMAND} ADD or DEL,
 * {@code CNI_CONTAINERID}, {@code CNI_NETNS}, {@code CNI_IFNAME}, {@code CNI_ARGS}, {@code
 * CNI_PATH}) and the network configuration on stdin; its ADD result's {@code ips} and {@code
 * routes} become the tap's. A non-zero exit is answered with the plugin's own CNI error.
 */
public final class IpamDelegate {
  private final long timeoutMs;

  /**
   * @param timeoutMs how long one plugin run may take (ms) before it is killed
   */
  public IpamDelegate(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /**
   * Runs the plugin.
   *
   * @param command ADD or DEL
   * @param type the plugin name ({@code ipam.type})
   * @param cniPath CNI_PATH (colon-separated directories)
   * @param config the network configuration object (stdin)
   * @param req container id, netns, ifname, CNI_ARGS
   * @return the plugin's result object (ADD), or an empty map (DEL)
   * @throws CniError.Failure 7 when the plugin is not found (or the name is not a plain file name),
   *     the plugin's error when it fails, 103 when it times out or prints no result
   */
  public Map<String, Object> run(
      String command, String type, String cniPath, Map<String, Object> config, AttachRequest req) {
    Path bin = find(type, cniPath);
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", req.containerId());
    env.put("CNI_NETNS", req.netns());
    env.put("CNI_IFNAME", req.ifName());
    // IgnoreUnknown=1 as runtimes send it: the K8S_POD_* args are not the IPAM plugin's
    Map<String, String> args = new LinkedHashMap<>();
    args.put("IgnoreUnknown", "1");
    req.args()
        .forEach(
            (k, v) -> {
              if (!k.startsWith("KUBEVDE_")) args.put(k, v);
            });
    env.put(
        "CNI_ARGS",
        args.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue())
            .collect(Collectors.joining(";")));
    env.put("CNI_PATH", cniPath);
    Subprocess.Result r =
        Subprocess.run(List.of(bin.toString()), env, Json.write(config), timeoutMs, false);
    if (r.timedOut())
      throw new CniError.Failure(
          CniError.SETUP_FAILED,
          "IPAM plugin " + type + " " + command + " timed out after " + timeoutMs + " ms");
    Map<String, Object> out;
    try {
      out = r.stdout().isBlank() ? Map.of() : Json.parseObject(r.stdout());
    } catch (JsonException e) {
      throw new CniError.Failure(
          new CniError(
              CniError.SETUP_FAILED,
              "IPAM plugin " + type + " " + command + " printed no JSON",
              r.stdout() + r.stderr()));
    }
    if (!r.ok()) {
      long code = out.get("code") instanceof Number n ? n.longValue() : CniError.SETUP_FAILED;
      String msg = out.get("msg") != null ? String.valueOf(out.get("msg")) : "exit " + r.exit();
      throw new CniError.Failure(
          new CniError(
              (int) code,
              "IPAM plugin " + type + ": " + msg,
              out.get("details") != null
                  ? String.valueOf(out.get("details"))
                  : r.stderr().strip()));
    }
    if ("ADD".equals(command) && !(out.get("ips") instanceof List<?>)) {
      throw new CniError.Failure(CniError.SETUP_FAILED, "IPAM plugin " + type + " returned no ips");
    }
    return out;
  }

  /** The plugin binary: {@code type} in the first CNI_PATH directory that has it. */
  static Path find(String type, String cniPath) {
    if (type.isEmpty() || type.contains("/") || type.startsWith(".")) {
      throw new CniError.Failure(
          CniError.INVALID_CONFIG, "ipam.type '" + type + "' is not a plugin name");
    }
    for (String d : cniPath.split(":")) {
      if (d.isEmpty()) continue;
      Path p = Path.of(d, type);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) return p;
    }
    throw new CniError.Failure(
        CniError.INVALID_CONFIG,
        "IPAM plugin '"
            + type
            + "' (ipam.type) not found in CNI_PATH '"
            + cniPath
            + "'; kubevde's own IPAM is ipam.type kubevde (or no type)");
  }
}
