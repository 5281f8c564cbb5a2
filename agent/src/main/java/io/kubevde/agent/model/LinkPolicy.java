package io.kubevde.agent.model;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Which VdeLink paths this agent opens (issue 11, defence in depth behind the chart's ValidatingAdmissionPolicy
 * {@code charts/kubevde/templates/vdelink-policy.yaml}, same rule): a VdeLink in a <b>system namespace</b> (the agent's
 * config namespace plus the configured list) may use every VNL; in any other (tenant) namespace every level of the
 * VNL (the outer one and each nested one after a {@code {}) must start with {@code scheme://} of a scheme in
 * {@link #tenantSchemes} (a bare path means {@code vde://} and is refused), and {@code vdenetwork://NS/NAME} must name
 * the link's own namespace. {@code *} in {@link #tenantSchemes} turns the scheme rule off (the chart's
 * {@code linkPolicy.enabled: false}).
 *
 * @param tenantSchemes    schemes tenant namespaces may use, lower case (default {@link #DEFAULT_TENANT_SCHEMES})
 * @param systemNamespaces namespaces whose VdeLinks may use every scheme
 */
public record LinkPolicy(List<String> tenantSchemes, Set<String> systemNamespaces) {
  /** The chart's default {@code linkPolicy.tenantSchemes}. */
  public static final List<String> DEFAULT_TENANT_SCHEMES =
      List.of("vdenetwork", "vxvde", "udp", "vxlan", "seal");

  /** Copies the lists; schemes are compared case-insensitively. */
  public LinkPolicy {
    tenantSchemes =
        tenantSchemes.stream()
            .map(s -> s.strip().toLowerCase(Locale.ROOT))
            .filter(s -> !s.isEmpty())
            .toList();
    systemNamespaces = Set.copyOf(systemNamespaces);
  }

  /**
   * The policy from the agent's options: comma lists as given on the command line or in the
   * environment.
   *
   * @param tenantSchemes comma list of schemes, or null/blank for {@link #DEFAULT_TENANT_SCHEMES}
   * @param systemNamespaces comma list of extra system namespaces, or null/blank for none
   * @param configNamespace the agent's own namespace (always a system namespace)
   * @return the policy
   */
  public static LinkPolicy of(
      String tenantSchemes, String systemNamespaces, String configNamespace) {
    List<String> schemes =
        tenantSchemes == null || tenantSchemes.isBlank()
            ? DEFAULT_TENANT_SCHEMES
            : List.of(tenantSchemes.split(","));
    Set<String> system = new LinkedHashSet<>();
    if (configNamespace != null && !configNamespace.isBlank()) system.add(configNamespace);
    if (systemNamespaces != null) {
      for (String s : systemNamespaces.split(",")) if (!s.isBlank()) system.add(s.strip());
    }
    return new LinkPolicy(schemes, system);
  }

  /**
   * Why the path {@code vnl} of a VdeLink in {@code namespace} may not be opened, or null when it
   * may.
   *
   * @return a message naming the scheme (or the foreign namespace) and the policy
   */
  public String refusal(String namespace, String vnl) {
    if (systemNamespaces.contains(namespace)) return null;
    if (!tenantSchemes.contains("*")) {
      for (String level : vnl.split("\\{", -1)) {
        String s = level.strip();
        int i = s.indexOf("://");
        String scheme = i > 0 ? s.substring(0, i).toLowerCase(Locale.ROOT) : null;
        if (scheme == null || !tenantSchemes.contains(scheme)) {
          return (scheme == null
                  ? "a VNL level without scheme (a host path: vde)"
                  : "VNL scheme " + scheme + "://")
              + " is not allowed for VdeLinks in namespace "
              + namespace
              + "; tenant namespaces may use "
              + String.join(", ", tenantSchemes)
              + " (kubevde link policy: linkPolicy.tenantSchemes, "
              + "system namespaces "
              + String.join(", ", sorted(systemNamespaces))
              + ")";
        }
      }
    }
    String v = vnl.strip();
    if (v.toLowerCase(Locale.ROOT).startsWith("vdenetwork://")) {
      String ns = v.substring("vdenetwork://".length()).split("/", -1)[0];
      if (!ns.equals(namespace)) {
        return "vdenetwork://"
            + ns
            + "/… links a VdeNetwork of namespace "
            + ns
            + "; VdeLinks in namespace "
            + namespace
            + " may link only networks of their own namespace (kubevde link policy)";
      }
    }
    return null;
  }

  private static List<String> sorted(Set<String> s) {
    List<String> l = new ArrayList<>(s);
    l.sort(null);
    return l;
  }
}
