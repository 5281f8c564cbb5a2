package io.kubevde.operator.model;

import io.kubevde.api.v1alpha1.LinkPath;
import io.kubevde.api.v1alpha1.VdeLinkSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** VdeLink checks the schema cannot express. Pure. */
public final class LinkChecks {
  private LinkChecks() {}

  /** VNL scheme naming another VdeNetwork: {@code vdenetwork://<namespace>/<name>}. */
  public static final String NETWORK_SCHEME = "vdenetwork://";

  /**
   * A VdeNetwork referenced by a path.
   *
   * @param namespace its namespace
   * @param name its name
   */
  public record NetworkRef(String namespace, String name) {}

  /**
   * @param spec the link's spec
   * @return an error message, or null when valid
   */
  public static String validate(VdeLinkSpec spec) {
    if (spec == null) return "spec is missing";
    if (spec.node() != null && spec.nodeSelector() != null && !spec.nodeSelector().isEmpty()) {
      return "node and nodeSelector are mutually exclusive";
    }
    Set<String> names = new HashSet<>();
    for (LinkPath p : spec.paths()) {
      if (!names.add(p.name())) return "path name " + p.name() + " is used twice";
      if (p.vnl().startsWith(NETWORK_SCHEME)) {
        String[] parts = p.vnl().substring(NETWORK_SCHEME.length()).split("/");
        if (parts.length != 2 || parts[0].isEmpty() || parts[1].isEmpty()) {
          return "path " + p.name() + ": " + p.vnl() + " must be vdenetwork://<namespace>/<name>";
        }
      }
    }
    return null;
  }

  /**
   * @return the VdeNetworks named by {@code vdenetwork://} paths
   */
  public static List<NetworkRef> peerNetworks(VdeLinkSpec spec) {
    List<NetworkRef> out = new ArrayList<>();
    for (LinkPath p : spec.paths()) {
      if (!p.vnl().startsWith(NETWORK_SCHEME)) continue;
      String[] parts = p.vnl().substring(NETWORK_SCHEME.length()).split("/");
      if (parts.length == 2) out.add(new NetworkRef(parts[0], parts[1]));
    }
    return out;
  }
}
