package io.kubevde.cni.protocol;

import java.util.List;
import java.util.Map;

/**
 * How a kubevde tap is recognised on a node: the agent sets the link's {@code ifalias} to {@code
 * kubevde/<network>/<containerId>} when it creates the tap; DEL (in the agent, or in the binary
 * when the agent is down) deletes an interface only if it is a tap ({@code tun} link kind) carrying
 * that prefix, never a foreign one.
 */
public final class TapAlias {
  private TapAlias() {}

  /** The alias prefix. */
  public static final String PREFIX = "kubevde/";

  /**
   * The alias for an attachment; {@code network} must not contain whitespace (callers encode it).
   */
  public static String of(String network, String containerId) {
    String a = PREFIX + network + "/" + containerId;
    return a.length() > 255 ? a.substring(0, 255) : a;
  }

  /**
   * Whether {@code ip -j -d link show dev X} (or {@code ip -j -d addr show dev X}) output describes
   * a kubevde tap: link kind {@code tun} and an {@code ifalias} starting with {@link #PREFIX}.
   * False on anything unparsable.
   */
  public static boolean isKubevdeTap(String ipJson) {
    try {
      if (!(Json.parse(ipJson) instanceof List<?> l)
          || l.isEmpty()
          || !(l.getFirst() instanceof Map<?, ?> link)) return false;
      return isKubevdeTap(link);
    } catch (JsonException e) {
      return false;
    }
  }

  /** The same test on one parsed link object of {@code ip -j -d} output. */
  public static boolean isKubevdeTap(Map<?, ?> link) {
    return link.get("linkinfo") instanceof Map<?, ?> li
        && link.get("ifalias") instanceof String a
        && isKubevdeTap(String.valueOf(li.get("info_kind")), a);
  }

  /**
   * The same test on a link's kind ({@code IFLA_INFO_KIND}) and alias ({@code IFLA_IFALIAS}) as
   * rtnetlink reports them.
   */
  public static boolean isKubevdeTap(String kind, String alias) {
    return "tun".equals(kind) && alias != null && alias.startsWith(PREFIX);
  }
}
