package io.kubevde.cni.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One request from the CNI binary to the node agent over the agent socket ({@link AgentProtocol}):
 * the CNI environment plus the network configuration exactly as the runtime wrote it on stdin.
 *
 * <p>Wire form (one JSON object): {@code
 * {"command":"ADD","containerId":"…","netns":"/var/run/netns/…","ifName":"net1",
 * "args":{"K8S_POD_NAME":"…",…},"path":"/opt/cni/bin","config":{…stdin…}}}; {@code netns} is {@code
 * ""} when {@code CNI_NETNS} is empty (DEL), {@code args} holds CNI_ARGS split at {@code ;} and the
 * first {@code =}.
 *
 * @param command the CNI command (never VERSION: the binary answers that itself)
 * @param containerId {@code CNI_CONTAINERID} ({@code ""} for STATUS and GC)
 * @param netns {@code CNI_NETNS} ({@code ""} when not given)
 * @param ifName {@code CNI_IFNAME} ({@code ""} for STATUS and GC)
 * @param args {@code CNI_ARGS} as ordered key/value pairs
 * @param path {@code CNI_PATH}
 * @param configJson the stdin network configuration, verbatim JSON text (an object)
 */
public record CniRequest(
    CniCommand command,
    String containerId,
    String netns,
    String ifName,
    Map<String, String> args,
    String path,
    String configJson) {

  /** Encodes the request (the config is spliced in verbatim). */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("command", command.name());
    m.put("containerId", containerId);
    m.put("netns", netns);
    m.put("ifName", ifName);
    m.put("args", new LinkedHashMap<>(args));
    m.put("path", path);
    m.put("config", new Json.Raw(configJson));
    return Json.write(m);
  }

  /**
   * Decodes a request.
   *
   * @throws CniError.Failure code 6 when the text is not a request object, code 4 when the command
   *     is unknown
   */
  public static CniRequest fromJson(String text) {
    Map<String, Object> m;
    try {
      m = Json.parseObject(text);
    } catch (JsonException e) {
      throw new CniError.Failure(
          CniError.DECODE_FAILURE, "cannot decode request: " + e.getMessage());
    }
    CniCommand c = CniCommand.parse(str(m, "command"));
    if (c == null || c == CniCommand.VERSION) {
      throw new CniError.Failure(
          CniError.INVALID_ENV, "unknown CNI_COMMAND '" + m.get("command") + "'");
    }
    Map<String, String> args = new LinkedHashMap<>();
    if (m.get("args") instanceof Map<?, ?> a) {
      a.forEach((k, v) -> args.put(String.valueOf(k), String.valueOf(v)));
    }
    if (!(m.get("config") instanceof Map<?, ?> cfg)) {
      throw new CniError.Failure(CniError.DECODE_FAILURE, "request has no config object");
    }
    return new CniRequest(
        c,
        str(m, "containerId"),
        str(m, "netns"),
        str(m, "ifName"),
        args,
        str(m, "path"),
        Json.write(cfg));
  }

  private static String str(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v == null ? "" : v.toString();
  }

  /** The parsed network configuration. */
  public Map<String, Object> config() {
    return Json.parseObject(configJson);
  }
}
