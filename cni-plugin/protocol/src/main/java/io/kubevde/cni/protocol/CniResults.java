package io.kubevde.cni.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Shapes CNI results (CNI SPEC 1.1.0 "Success", k8s-conventions.md §1.4) as JSON maps: version
 * conversion and the chaining rule (our interface and IPs appended to the {@code prevResult}).
 */
public final class CniResults {
  private CniResults() {}

  /**
   * Returns {@code result} re-shaped for {@code cniVersion}: sets {@code cniVersion}; for
   * 0.3.x/0.4.0 every {@code ips[]} entry gets {@code "version": "4"|"6"} (from its address), for
   * 1.x the key is removed.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> inVersion(Map<String, Object> result, String cniVersion) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cniVersion", cniVersion);
    for (Map.Entry<String, Object> e : result.entrySet()) {
      if (e.getKey().equals("cniVersion")) continue;
      if (e.getKey().equals("ips") && e.getValue() instanceof List<?> ips) {
        List<Object> conv = new ArrayList<>();
        for (Object o : ips) {
          if (!(o instanceof Map<?, ?> ip)) continue;
          Map<String, Object> c = new LinkedHashMap<>();
          String addr = String.valueOf(ip.get("address"));
          if (CniVersions.hasIpVersionField(cniVersion))
            c.put("version", addr.contains(":") ? "6" : "4");
          for (Map.Entry<?, ?> f : ip.entrySet()) {
            if (!"version".equals(f.getKey())) c.put(String.valueOf(f.getKey()), f.getValue());
          }
          conv.add(c);
        }
        out.put("ips", conv);
      } else {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }

  /**
   * Appends {@code own} (a result with one or more interfaces, IPs pointing at them by index,
   * routes, dns) to {@code prev} (the chained {@code prevResult}, may be {@code null}): interfaces
   * and routes are concatenated, IP interface indexes of {@code own} are shifted by the number of
   * previous interfaces, {@code dns} of {@code prev} wins when present.
   */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> chain(Map<String, Object> prev, Map<String, Object> own) {
    if (prev == null || prev.isEmpty()) return own;
    Map<String, Object> out = new LinkedHashMap<>(prev);
    List<Object> ifs = new ArrayList<>(list(prev.get("interfaces")));
    int shift = ifs.size();
    ifs.addAll(list(own.get("interfaces")));
    out.put("interfaces", ifs);
    List<Object> ips = new ArrayList<>(list(prev.get("ips")));
    for (Object o : list(own.get("ips"))) {
      Map<String, Object> ip = new LinkedHashMap<>((Map<String, Object>) o);
      if (ip.get("interface") instanceof Number n)
        ip.put("interface", (long) (n.intValue() + shift));
      ips.add(ip);
    }
    out.put("ips", ips);
    List<Object> routes = new ArrayList<>(list(prev.get("routes")));
    routes.addAll(list(own.get("routes")));
    if (!routes.isEmpty()) out.put("routes", routes);
    if (!out.containsKey("dns") && own.containsKey("dns")) out.put("dns", own.get("dns"));
    return out;
  }

  private static List<Object> list(Object o) {
    return o instanceof List<?> l ? (List<Object>) l : List.of();
  }
}
