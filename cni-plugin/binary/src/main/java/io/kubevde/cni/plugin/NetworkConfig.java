package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.CniVersions;
import io.kubevde.cni.protocol.Json;
import io.kubevde.cni.protocol.JsonException;
import java.util.Map;

/**
 * What the binary itself needs from the stdin network configuration (CNI SPEC 1.1.0 "Network
 * configuration", k8s-conventions.md §1.2); everything else ({@code network}, {@code ipam}, {@code
 * mtu}, {@code runtimeConfig}, {@code prevResult}, …) is the agent's business and travels verbatim
 * as {@code raw}.
 *
 * @param cniVersion the selected version (validated: supported)
 * @param name the network name
 * @param type the plugin type (normally {@code kubevde})
 * @param raw the configuration text as received
 */
public record NetworkConfig(String cniVersion, String name, String type, String raw) {
  /**
   * The key a network config must not carry: the agent socket comes only from the binary's own
   * environment ({@code KUBEVDE_AGENT_SOCKET}, else {@code /run/kubevde/cni.sock}), never from a
   * config that a namespace user may have written (a NAD), which could otherwise point the binary
   * at a socket of their choosing.
   */
  public static final String REFUSED_SOCKET_KEY = "agentSocket";

  /**
   * Parses the configuration.
   *
   * @throws CniError.Failure code 6 when the text is not a JSON object, 1 for an unsupported
   *     version, 7 when {@code cniVersion} or {@code name} is missing or not a string, or when the
   *     config carries {@value #REFUSED_SOCKET_KEY}
   */
  public static NetworkConfig parse(String text) {
    Map<String, Object> m;
    try {
      m = Json.parseObject(text);
    } catch (JsonException e) {
      throw new CniError.Failure(
          new CniError(
              CniError.DECODE_FAILURE,
              "cannot decode the network configuration on stdin",
              e.getMessage()));
    }
    String version = string(m, "cniVersion");
    CniVersions.require(version);
    String name = string(m, "name");
    if (name == null || name.isEmpty())
      throw new CniError.Failure(CniError.INVALID_CONFIG, "network config has no name");
    if (m.containsKey(REFUSED_SOCKET_KEY)) {
      throw new CniError.Failure(
          CniError.INVALID_CONFIG,
          "network config key '"
              + REFUSED_SOCKET_KEY
              + "' is not allowed: the agent socket comes only from the environment (KUBEVDE_AGENT_SOCKET, default "
              + AgentProtocol.DEFAULT_SOCKET
              + ")");
    }
    return new NetworkConfig(version, name, string(m, "type"), text);
  }

  /**
   * The version named by {@code text} if it is a JSON object with a string {@code cniVersion}, else
   * null.
   */
  public static String versionOrNull(String text) {
    try {
      Object v = Json.parseObject(text).get("cniVersion");
      return v instanceof String s ? s : null;
    } catch (JsonException e) {
      return null;
    }
  }

  private static String string(Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null) return null;
    if (!(v instanceof String s)) {
      throw new CniError.Failure(
          CniError.INVALID_CONFIG,
          "network config key '" + key + "' must be a string, got " + Json.typeName(v));
    }
    return s;
  }
}
