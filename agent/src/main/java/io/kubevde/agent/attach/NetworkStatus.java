package io.kubevde.agent.attach;

import io.kubevde.cni.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pod annotation {@value #ANNOTATION} in Multus' format (k8s-conventions.md §1.7): a JSON list
 * of {@code {"name", "interface", "ips", "mac", "default", "dns"}}, one per attachment. Multus
 * writes it when it calls kubevde; when kubevde is chained after a primary plugin without Multus,
 * the agent writes its own entries ({@link ChainedAttachmentHandler}), keeping everyone else's.
 * Pure code: the merge of an existing value with kubevde's entries.
 */
public final class NetworkStatus {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkStatus.class);

  /** The annotation Multus and kubevde (chained) write. */
  public static final String ANNOTATION = "k8s.v1.cni.cncf.io/network-status";

  private NetworkStatus() {}

  /**
   * One attachment as Multus reports it.
   *
   * @param name the network: VdeNetwork {@code <namespace>/<name>}
   * @param iface the interface name in the pod
   * @param ips its addresses without prefix length
   * @param mac its MAC address, or null
   */
  public record Entry(String name, String iface, List<String> ips, String mac) {
    /** Copies the address list. */
    public Entry {
      ips = List.copyOf(ips);
    }

    /**
     * @return the JSON object: name, interface, ips, mac (when known), default false, dns {}
     */
    public Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("name", name);
      m.put("interface", iface);
      m.put("ips", ips);
      if (mac != null) m.put("mac", mac);
      m.put("default", false);
      m.put("dns", Map.of());
      return m;
    }
  }

  /**
   * The entry for one interface from kubevde's own CNI result for it.
   *
   * @param network VdeNetwork {@code <namespace>/<name>}
   * @param ifName the interface name in the pod
   * @param result the CNI result of that interface alone ({@code interfaces}, {@code ips} whose
   *     {@code interface} index points into them)
   * @return the entry (no IPs for a pure L2 network)
   */
  public static Entry of(String network, String ifName, Map<String, Object> result) {
    String mac = null;
    int index = -1;
    if (result.get("interfaces") instanceof List<?> ifs) {
      for (int i = 0; i < ifs.size(); i++) {
        if (ifs.get(i) instanceof Map<?, ?> m && ifName.equals(m.get("name"))) {
          index = i;
          mac = m.get("mac") instanceof String s ? s : null;
        }
      }
    }
    List<String> ips = new ArrayList<>();
    if (result.get("ips") instanceof List<?> list) {
      for (Object o : list) {
        if (o instanceof Map<?, ?> ip
            && ip.get("address") instanceof String a
            && (!(ip.get("interface") instanceof Number n) || n.intValue() == index)) {
          int slash = a.indexOf('/');
          ips.add(slash < 0 ? a : a.substring(0, slash));
        }
      }
    }
    return new Entry(network, ifName, ips, mac);
  }

  /**
   * Merges kubevde's entries into an annotation value written by anyone.
   *
   * @param existing the current value (null, empty, or whatever a pod's author or another plugin
   *     wrote: a value that is not a JSON list is replaced, and non-object items are dropped)
   * @param drop which existing entries to remove (kubevde's own, replaced or deleted)
   * @param ours entries to append
   * @return the new value, or null when the list ends up empty (the annotation is removed)
   */
  public static String merge(String existing, Predicate<Map<?, ?>> drop, List<Entry> ours) {
    List<Object> out = new ArrayList<>();
    if (existing != null && !existing.isBlank()) {
      Object parsed;
      try {
        parsed = Json.parse(existing);
      } catch (RuntimeException e) {
        parsed = null;
      }
      if (parsed instanceof List<?> list) {
        for (Object o : list) {
          if (o instanceof Map<?, ?> m && !drop.test(m)) out.add(m);
        }
      } else {
        LOG.warn("{} was not a JSON list; replaced", ANNOTATION);
      }
    }
    for (Entry e : ours) out.add(e.toMap());
    return out.isEmpty() ? null : Json.write(out);
  }

  /**
   * @return a predicate matching entries whose interface is one of {@code ifNames}
   */
  public static Predicate<Map<?, ?>> onInterfaces(java.util.Collection<String> ifNames) {
    return m -> ifNames.contains(String.valueOf(m.get("interface")));
  }

  /**
   * @return a predicate matching entries with exactly one of these (network, interface) pairs
   */
  public static Predicate<Map<?, ?>> sameAs(List<Entry> entries) {
    return m ->
        entries.stream()
            .anyMatch(
                e ->
                    e.name().equals(String.valueOf(m.get("name")))
                        && e.iface().equals(String.valueOf(m.get("interface"))));
  }
}
