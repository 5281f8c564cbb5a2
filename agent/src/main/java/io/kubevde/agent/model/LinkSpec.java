package io.kubevde.agent.model;

import java.util.List;

/**
 * One VdeLink as this node runs it (architecture.md §4 VdeLink): the network it extends, the mode
 * and the paths.
 *
 * @param namespace the VdeLink namespace (also the network's)
 * @param name the VdeLink name
 * @param network the VdeNetwork name (same namespace)
 * @param mode {@code single}, {@code multi} or {@code bonding}
 * @param paths the paths, each a name and the far end's VNL
 * @param failback {@code single}: return to the first path once it works again after a fail-over
 */
public record LinkSpec(
    String namespace,
    String name,
    String network,
    String mode,
    List<Path> paths,
    boolean failback) {
  /** A link with failback on (the default). */
  public LinkSpec(String namespace, String name, String network, String mode, List<Path> paths) {
    this(namespace, name, network, mode, paths, true);
  }

  /** One path: a name unique in the link and a VNL. */
  public record Path(String name, String vnl) {}

  /** The network key {@code <ns>/<network>}. */
  public String networkKey() {
    return namespace + "/" + network;
  }

  /** The link key {@code <ns>/<name>}. */
  public String key() {
    return namespace + "/" + name;
  }
}
