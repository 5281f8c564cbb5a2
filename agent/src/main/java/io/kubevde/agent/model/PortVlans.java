package io.kubevde.agent.model;

import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The VLANs of one pod attachment's switch port, with vde_switch semantics (vde-protocols.md §9.2,
 * {@code port/setvlan} and {@code vlan/addport}) inside its network's switch:
 *
 * <ul>
 *   <li><b>access</b> ({@code vlan: N}): the pod's untagged frames belong to VLAN N (they cross the
 *       switch and the uplink tagged N); only VLAN N reaches the pod, untagged; tagged frames from
 *       the pod are dropped.
 *   <li><b>trunk</b> ({@code vlanTrunk: [N, M, …]}): tagged frames of those VIDs pass both ways
 *       with their tag; untagged frames stay the network's own untagged VLAN; tagged frames of any
 *       other VID are dropped.
 *   <li>both (hybrid, as a vde_switch port with an untagged VLAN that is also a tagged member of
 *       others): untagged = VLAN N, tagged = the list.
 * </ul>
 *
 * Frames dropped on entry are counted by the port. A VLAN exists only inside the network's switch
 * and its uplink (the network's own {@code vlan}, when set, is an outer tag around it): a pod
 * cannot reach another network through a VID.
 *
 * @param untagged the VLAN of the port's untagged frames: 0 = the network's own untagged VLAN,
 *     1..4094 = access VLAN
 * @param tagged the VIDs (1..4094) the port carries tagged, ascending, without duplicates and
 *     without {@code untagged}; at most {@link #MAX_TRUNK_VIDS}
 */
public record PortVlans(int untagged, List<Integer> tagged) {
  /** The most VIDs one trunk may list (a bound on hostile input, and on the port's bit set). */
  public static final int MAX_TRUNK_VIDS = 256;

  /** The config key (NAD config, {@code args.cni}) of the access VLAN. */
  public static final String VLAN_KEY = "vlan";

  /** The config key (NAD config, {@code args.cni}) of the trunk's VID list. */
  public static final String TRUNK_KEY = "vlanTrunk";

  /**
   * @throws IllegalArgumentException on an out-of-range, duplicate or overlapping VID (callers from
   *     requests use {@link #parse}, which names the offending key)
   */
  public PortVlans {
    if (untagged < 0 || untagged > 4094)
      throw new IllegalArgumentException("untagged VLAN must be 0..4094, got " + untagged);
    tagged = List.copyOf(tagged);
    if (tagged.size() > MAX_TRUNK_VIDS)
      throw new IllegalArgumentException("more than " + MAX_TRUNK_VIDS + " tagged VLANs");
    int last = 0;
    for (int v : tagged) {
      if (v < 1 || v > 4094) throw new IllegalArgumentException("VID must be 1..4094, got " + v);
      if (v <= last) throw new IllegalArgumentException("VIDs must be ascending and distinct");
      if (v == untagged)
        throw new IllegalArgumentException("VLAN " + v + " is both untagged and tagged");
      last = v;
    }
    if (untagged == 0 && tagged.isEmpty())
      throw new IllegalArgumentException("a VLAN port needs an access VLAN or tagged VLANs");
  }

  /** An access port on VLAN {@code vid}. */
  public static PortVlans access(int vid) {
    return new PortVlans(vid, List.of());
  }

  /** A trunk carrying {@code vids} tagged (untagged frames: the network's own VLAN). */
  public static PortVlans trunk(List<Integer> vids) {
    return new PortVlans(0, new TreeSet<>(vids).stream().toList());
  }

  /** Whether the port carries VID {@code vid} tagged. */
  public boolean carriesTagged(int vid) {
    return java.util.Collections.binarySearch(tagged, vid) >= 0;
  }

  /**
   * Reads {@value #VLAN_KEY} and {@value #TRUNK_KEY} of one config object ({@code where} + key
   * names them in errors, e.g. {@code "args.cni."}).
   *
   * @param m the object holding the keys
   * @param where the prefix naming {@code m} in error messages ({@code ""} for the top level)
   * @return the port's VLANs, or null when {@code m} has neither key (or both are null)
   * @throws CniError.Failure code 7 (invalid config) naming the key: a VID that is not an integer
   *     1..4094, a list that is not a list, longer than {@value #MAX_TRUNK_VIDS}, with duplicates,
   *     or containing the access VLAN
   */
  public static PortVlans parse(Map<String, Object> m, String where) {
    Object v = m.get(VLAN_KEY);
    Object t = m.get(TRUNK_KEY);
    if (v == null && t == null) return null;
    int untagged = v == null ? 0 : vid(v, where + VLAN_KEY);
    List<Integer> vids = new ArrayList<>();
    if (t != null) {
      String key = where + TRUNK_KEY;
      if (!(t instanceof List<?> l))
        throw NetConf.invalid(
            "'" + key + "' must be a list of VLAN ids 1..4094, got " + Json.typeName(t));
      if (l.isEmpty()) throw NetConf.invalid("'" + key + "' is empty");
      if (l.size() > MAX_TRUNK_VIDS)
        throw NetConf.invalid(
            "'" + key + "' lists " + l.size() + " VLANs, at most " + MAX_TRUNK_VIDS + " allowed");
      TreeSet<Integer> seen = new TreeSet<>();
      for (Object o : l) {
        int id = vid(o, key);
        if (!seen.add(id)) throw NetConf.invalid("'" + key + "' lists VLAN " + id + " twice");
        if (id == untagged)
          throw NetConf.invalid(
              "'"
                  + key
                  + "' lists VLAN "
                  + id
                  + ", the port's untagged '"
                  + where
                  + VLAN_KEY
                  + "'");
      }
      vids.addAll(seen);
    }
    return new PortVlans(untagged, vids);
  }

  private static int vid(Object o, String key) {
    if (!(o instanceof Long l) || l < 1 || l > 4094) {
      throw NetConf.invalid(
          "'"
              + key
              + "' must be a VLAN id, an integer 1..4094, got "
              + (o instanceof String s ? "\"" + s + "\"" : String.valueOf(o))
              + (o instanceof Long ? "" : " (" + Json.typeName(o) + ")"));
    }
    return l.intValue();
  }

  /**
   * The keys as they appear in configs, records and CNI results: {@value #VLAN_KEY} (when an access
   * VLAN is set) and {@value #TRUNK_KEY} (when tagged VLANs are set).
   */
  public Map<String, Object> toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    if (untagged != 0) m.put(VLAN_KEY, (long) untagged);
    if (!tagged.isEmpty()) m.put(TRUNK_KEY, tagged.stream().map(Long::valueOf).toList());
    return m;
  }

  @Override
  public String toString() {
    return (untagged != 0 ? "access " + untagged : "")
        + (untagged != 0 && !tagged.isEmpty() ? ", " : "")
        + (tagged.isEmpty() ? "" : "trunk " + tagged);
  }
}
