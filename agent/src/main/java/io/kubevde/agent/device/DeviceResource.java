package io.kubevde.agent.device;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The extended resource of one network on this node (agent/README.md "Device plugin").
 *
 * <p>Network {@code <ns>/<name>} is the resource {@code vde.kubevde.io/<ns>.<name>} (namespace
 * names hold no dot, so the pair is unambiguous; two namespaces' networks of the same name never
 * share a resource). A container given one of its devices sees the network's rendezvous directory
 * at {@code /run/vde/<ns>.<name>} and its path in {@code VDE_SOCKET}.
 *
 * @param networkKey {@code <ns>/<name>}
 * @param shortName {@code <ns>.<name>}: the part after the resource name's {@code /}, ≤ 63
 *     characters (a Kubernetes qualified name)
 * @param hostDirectory the rendezvous directory on the host (the agent's run directory is mounted
 *     at the same path)
 */
public record DeviceResource(String networkKey, String shortName, Path hostDirectory) {

  /** Prefix of every resource name. */
  public static final String DOMAIN = "vde.kubevde.io";

  /** Where containers see the rendezvous directories: {@code /run/vde/<ns>.<name>}. */
  public static final String CONTAINER_ROOT = "/run/vde";

  /** Environment variable with the container path of the (last) allocated network. */
  public static final String ENV_SOCKET = "VDE_SOCKET";

  /** Kubernetes' qualified-name part: 1–63 characters, alphanumeric at both ends. */
  private static final Pattern QUALIFIED =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");

  /** DNS label (namespace) and DNS subdomain (object name), lower case. */
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

  /**
   * The resource of network {@code key} served from {@code hostDirectory}, or empty when the key
   * cannot name a resource (not {@code <ns>/<name>} of Kubernetes names, or {@code <ns>.<name>}
   * longer than 63 characters).
   */
  public static Optional<DeviceResource> forNetwork(String key, Path hostDirectory) {
    if (key == null) return Optional.empty();
    int slash = key.indexOf('/');
    if (slash < 0 || key.indexOf('/', slash + 1) >= 0) return Optional.empty();
    String ns = key.substring(0, slash);
    String name = key.substring(slash + 1);
    if (!NAMESPACE.matcher(ns).matches() || !NAME.matcher(name).matches()) return Optional.empty();
    String shortName = ns + "." + name;
    if (!QUALIFIED.matcher(shortName).matches()) return Optional.empty();
    return Optional.of(new DeviceResource(key, shortName, hostDirectory));
  }

  /** {@code vde.kubevde.io/<ns>.<name>}. */
  public String resourceName() {
    return DOMAIN + "/" + shortName;
  }

  /** The plugin's socket file name in kubelet's device-plugin directory. */
  public String endpoint() {
    return "vde-" + shortName + ".sock";
  }

  /** {@code /run/vde/<ns>.<name>}: where the container sees the rendezvous directory. */
  public String containerPath() {
    return CONTAINER_ROOT + "/" + shortName;
  }

  /**
   * The network's own variable, {@code VDE_SOCKET_<NS>_<NAME>} (upper case, other characters {@code
   * _}), for containers given several networks.
   */
  public String envName() {
    return ENV_SOCKET + "_" + shortName.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
  }

  /** The ID of device {@code index} (0-based): {@code <ns>.<name>-<index>}. */
  public String deviceId(int index) {
    return shortName + "-" + index;
  }
}
