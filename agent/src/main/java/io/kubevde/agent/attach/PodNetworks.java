package io.kubevde.agent.attach;

import io.kubevde.cni.protocol.CniError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The pod annotation {@value #ANNOTATION} that asks kubevde, chained after a primary plugin, for
 * interfaces: a comma separated list of {@code [<namespace>/]<name>[@<ifname>]} (the short form of
 * Multus' {@code k8s.v1.cni.cncf.io/networks}), e.g. {@code "blue"} or {@code "lab/blue@data0,
 * red"}. Without a namespace the VdeNetwork is in the pod's namespace; without an ifname the
 * interfaces are called {@code net1}, {@code net2}, … in order, skipping names already taken (by
 * the primary plugin's interfaces or explicit names).
 */
public final class PodNetworks {
  /** The annotation key. */
  public static final String ANNOTATION = "kubevde.io/networks";

  /**
   * One requested interface: VdeNetwork {@code <namespace>/<name>} and the interface name in the
   * pod.
   */
  public record Entry(String network, String ifName) {}

  private PodNetworks() {}

  /**
   * Parses the annotation value.
   *
   * @param value the annotation ({@code null} or blank: nothing requested)
   * @param podNamespace the pod's namespace (default namespace of the entries)
   * @param taken interface names already in the pod (not handed out as defaults; an explicit clash
   *     fails)
   * @return the entries in order, possibly empty
   * @throws CniError.Failure code 7 naming a malformed entry or a duplicate/clashing interface name
   */
  public static List<Entry> parse(String value, String podNamespace, Set<String> taken) {
    List<Entry> out = new ArrayList<>();
    if (value == null || value.isBlank()) return out;
    record Raw(String network, String ifName) {}
    List<Raw> raws = new ArrayList<>();
    Set<String> used = new HashSet<>(taken);
    for (String part : value.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) continue;
      String ifName = null;
      int at = p.indexOf('@');
      if (at >= 0) {
        ifName = p.substring(at + 1).strip();
        p = p.substring(0, at).strip();
        if (!ifName.matches("[A-Za-z0-9_.-]{1,15}") || ifName.equals(".") || ifName.equals("..")) {
          throw bad("bad interface name '" + ifName + "' in " + ANNOTATION + ": " + value);
        }
        if (!used.add(ifName))
          throw bad("interface name " + ifName + " used twice in " + ANNOTATION + ": " + value);
      }
      String[] nn = p.split("/", -1);
      String name = nn[nn.length - 1];
      String ns = nn.length == 2 ? nn[0] : podNamespace;
      String dns = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";
      if (nn.length > 2 || !name.matches(dns) || ns == null || !ns.matches(dns)) {
        throw bad(
            "bad network '"
                + part.strip()
                + "' in "
                + ANNOTATION
                + " (want [namespace/]name[@ifname])");
      }
      raws.add(new Raw(ns + "/" + name, ifName));
    }
    int n = 1;
    for (Raw r : raws) {
      String ifName = r.ifName();
      if (ifName == null) {
        while (used.contains("net" + n)) n++;
        ifName = "net" + n;
        used.add(ifName);
      }
      out.add(new Entry(r.network(), ifName));
    }
    return out;
  }

  private static CniError.Failure bad(String msg) {
    return new CniError.Failure(CniError.INVALID_CONFIG, msg);
  }
}
