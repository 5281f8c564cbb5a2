package io.kubevde.api.v1alpha1;

/**
 * Regular expressions used in the CRDs' OpenAPI schemas. They are RE2/ECMAScript-compatible (the
 * API server uses Go's RE2) and anchored. Also usable from Java ({@link java.util.regex.Pattern})
 * for the same checks.
 */
public final class Patterns {
  private Patterns() {}

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])";
  private static final String IPV4 = "(" + OCTET + "\\.){3}" + OCTET;

  /**
   * Loose IPv6 text form: hex groups and colons, optionally an embedded IPv4 tail; exact parsing is
   * the operator's.
   */
  private static final String IPV6 = "[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}(:" + IPV4 + ")?";

  /** An IPv4 or IPv6 address. */
  public static final String IP = "^(" + IPV4 + "|" + IPV6 + ")$";

  /** An IPv4 CIDR ({@code 10.77.0.0/16}) or IPv6 CIDR ({@code fd77::/64}). */
  public static final String CIDR =
      "^("
          + IPV4
          + "/([0-9]|[12][0-9]|3[0-2])|"
          + IPV6
          + "/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$";

  /** An IPv4 multicast group (224.0.0.0/4) or IPv6 multicast group (ff00::/8). */
  public static final String MULTICAST_GROUP =
      "^((22[4-9]|23[0-9])(\\." + OCTET + "){3}|[fF][fF][0-9a-fA-F]{2}(:[0-9a-fA-F]{0,4}){1,7})$";

  /** A MAC address, six colon-separated hex octets ({@code 02:00:00:12:34:56}). */
  public static final String MAC = "^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$";

  /**
   * A 3-octet MAC prefix ({@code 02:77:00}); the lowest two bits of the first octet say
   * local/multicast.
   */
  public static final String MAC_PREFIX = "^[0-9a-fA-F][26aeAE](:[0-9a-fA-F]{2}){2}$";

  /**
   * A VNL (vde-protocols.md §1): {@code scheme://rest} (scheme letters, digits, {@code + . -}) or a
   * bare absolute path (= {@code vde://}); no control characters. Spaces are allowed ({@code
   * cmd://ssh host vde_plug ...}).
   */
  public static final String VNL = "^([a-z][a-z0-9+.-]*://|/)[^\\x00-\\x1f\\x7f]*$";

  /** A DNS-1123 label (Kubernetes object names used as references). */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";

  /** A DNS-1123 subdomain (node names). */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

  /**
   * A duration {@code <h>h<m>m<s>s}, each part optional, at least one ({@code 24h}, {@code 1h30m},
   * {@code 0s}).
   */
  public static final String DURATION =
      "^([0-9]{1,6}h([0-9]{1,6}m)?([0-9]{1,6}s)?|[0-9]{1,6}m([0-9]{1,6}s)?|[0-9]{1,6}s)$";

  /**
   * One entry of {@code VdeNetwork spec.allowedNamespaces}: a namespace name (DNS-1123 label, at
   * most 63 characters) or {@code *} (every namespace).
   */
  public static final String ALLOWED_NAMESPACE = "^(\\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$";
}
