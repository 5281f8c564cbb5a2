package io.kubevde.agent.model;

import io.kubevde.cni.protocol.Json;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the agent remembers of one attachment, one JSON file each under {@code
 * <stateDir>/attachments/} (architecture.md §6): enough to delete it without the runtime's help
 * (DEL with empty CNI_NETNS, GC) and to re-open the tap after a restart.
 *
 * @param key network name, container id, interface name
 * @param vdeNetwork the VdeNetwork ({@code <namespace>/<name>})
 * @param netns the pod netns path
 * @param mac the interface MAC
 * @param mtu the interface MTU (bytes)
 * @param ips the addresses ({@code ip/prefix})
 * @param pod pod coordinates from CNI_ARGS ({@code K8S_POD_NAMESPACE}, {@code K8S_POD_NAME}, {@code
 *     K8S_POD_UID}; empty when not from Kubernetes)
 * @param createdMs creation time (ms since the epoch)
 * @param state {@code creating} (written before the tap exists) or {@code ready}
 * @param result the CNI result ADD returned ({@code null} while creating)
 * @param vlans the port's VLANs ({@code vlan}/{@code vlanTrunk} keys of the file), or {@code null}
 *     for a plain port
 */
public record AttachmentRecord(
    AttachmentKey key,
    String vdeNetwork,
    String netns,
    String mac,
    int mtu,
    List<String> ips,
    Map<String, String> pod,
    long createdMs,
    String state,
    Map<String, Object> result,
    PortVlans vlans) {

  /** A record of a plain port (no VLANs). */
  public AttachmentRecord(
      AttachmentKey key,
      String vdeNetwork,
      String netns,
      String mac,
      int mtu,
      List<String> ips,
      Map<String, String> pod,
      long createdMs,
      String state,
      Map<String, Object> result) {
    this(key, vdeNetwork, netns, mac, mtu, ips, pod, createdMs, state, result, null);
  }

  /** Encodes the record as one JSON object. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("network", key.network());
    m.put("containerId", key.containerId());
    m.put("ifName", key.ifName());
    m.put("vdeNetwork", vdeNetwork);
    m.put("netns", netns);
    m.put("mac", mac);
    m.put("mtu", (long) mtu);
    m.put("ips", new ArrayList<Object>(ips));
    m.put("pod", new LinkedHashMap<String, Object>(pod));
    m.put("createdMs", createdMs);
    m.put("state", state);
    m.put("result", result);
    if (vlans != null) m.putAll(vlans.toJson());
    return Json.write(m);
  }

  /**
   * Decodes a record.
   *
   * @throws io.kubevde.cni.protocol.JsonException or IllegalArgumentException when the text is not
   *     a record (or its VLANs are not valid)
   */
  @SuppressWarnings("unchecked")
  public static AttachmentRecord fromJson(String text) {
    Map<String, Object> m = Json.parseObject(text);
    AttachmentKey key = new AttachmentKey(s(m, "network"), s(m, "containerId"), s(m, "ifName"));
    if (key.network().isEmpty() || key.containerId().isEmpty() || key.ifName().isEmpty()) {
      throw new IllegalArgumentException("attachment record without network/containerId/ifName");
    }
    List<String> ips = new ArrayList<>();
    if (m.get("ips") instanceof List<?> l) l.forEach(o -> ips.add(String.valueOf(o)));
    Map<String, String> pod = new LinkedHashMap<>();
    if (m.get("pod") instanceof Map<?, ?> p)
      p.forEach((k, v) -> pod.put(String.valueOf(k), String.valueOf(v)));
    long mtu = m.get("mtu") instanceof Number n ? n.longValue() : 0;
    long created = m.get("createdMs") instanceof Number n ? n.longValue() : 0;
    return new AttachmentRecord(
        key,
        s(m, "vdeNetwork"),
        s(m, "netns"),
        s(m, "mac"),
        (int) mtu,
        ips,
        pod,
        created,
        s(m, "state"),
        m.get("result") instanceof Map<?, ?> r ? (Map<String, Object>) r : null,
        vlans(m));
  }

  private static PortVlans vlans(Map<String, Object> m) {
    try {
      return PortVlans.parse(m, "");
    } catch (io.kubevde.cni.protocol.CniError.Failure e) {
      throw new IllegalArgumentException(e.error().msg());
    }
  }

  private static String s(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v == null ? "" : v.toString();
  }

  /** A copy in state {@code ready} with {@code result}. */
  public AttachmentRecord ready(Map<String, Object> result) {
    return new AttachmentRecord(
        key, vdeNetwork, netns, mac, mtu, ips, pod, createdMs, "ready", result, vlans);
  }
}
