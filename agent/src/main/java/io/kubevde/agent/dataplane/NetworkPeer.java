package io.kubevde.agent.dataplane;

import java.io.IOException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A VdeLink path naming another VdeNetwork, {@code vdenetwork://<namespace>/<name>} (crds/README
 * "Choices"; issue 16 point 1): on the node where the link runs, the link's network and the named
 * one are joined by a port pair between their two switches — the link's side is a {@code vde://}
 * client of the peer switch's rendezvous directory, so the peer switch sees one more port and our
 * switch one link port. Both switches carry untagged frames; each network's own {@code vlan} tags
 * only its uplink, so two networks on different VLANs are mapped VID to VID at this node (a frame
 * leaves the peer's uplink with the peer's VID).
 *
 * <p>The VNL is hostile (a tenant writes it): namespace and name must be DNS labels (RFC 1123, at
 * most 63 characters, lower case), nothing may follow the name, no options; a network cannot be
 * linked to itself (the two ports of one switch would loop every broadcast).
 *
 * @param namespace the peer network's namespace
 * @param name the peer network's name
 */
public record NetworkPeer(String namespace, String name) {
  /** The scheme prefix, lower case. */
  public static final String SCHEME = "vdenetwork://";

  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** Whether {@code vnl} uses the {@code vdenetwork://} scheme (any case, surrounding blanks). */
  public static boolean names(String vnl) {
    return vnl != null && vnl.strip().toLowerCase(Locale.ROOT).startsWith(SCHEME);
  }

  /**
   * Parses {@code vdenetwork://<namespace>/<name>}.
   *
   * @throws IllegalArgumentException naming the offending part when the VNL is malformed
   */
  public static NetworkPeer parse(String vnl) {
    if (!names(vnl)) throw new IllegalArgumentException(vnl + " is not a vdenetwork:// VNL");
    String rest = vnl.strip().substring(SCHEME.length());
    String[] parts = rest.split("/", -1);
    if (parts.length != 2)
      throw new IllegalArgumentException(
          "vdenetwork://" + rest + " must be vdenetwork://<namespace>/<name>");
    for (String p : parts) {
      if (!LABEL.matcher(p).matches())
        throw new IllegalArgumentException(
            "vdenetwork://" + rest + ": '" + p + "' is not a namespace or network name");
    }
    return new NetworkPeer(parts[0], parts[1]);
  }

  /** The network key {@code <namespace>/<name>}. */
  public String key() {
    return namespace + "/" + name;
  }

  /**
   * The VNL that opens the peer side of the port pair: a {@code vde://} client of the peer
   * network's switch on this node.
   *
   * @param dataPlane this node's switches
   * @param linkNetwork the link's own network key (a network cannot be linked to itself)
   * @return {@code vde://<rendezvous directory of the peer>}
   * @throws IOException when the peer network does not run on this node (its nodeSelector does not
   *     select this node, or its ConfigMap has not arrived yet: the path stays Down and is retried
   *     when the network appears) or is the link's own network
   */
  public String localVnl(DataPlane dataPlane, String linkNetwork) throws IOException {
    if (key().equals(linkNetwork))
      throw new IOException(
          "vdenetwork://" + key() + " is the link's own network (a loop), not opened");
    if (dataPlane.network(key()).isEmpty())
      throw new IOException("VdeNetwork " + key() + " does not run on this node");
    return "vde://" + dataPlane.directoryOf(key());
  }
}
