package io.kubevde.agent.capture;

import io.kubevde.cni.protocol.Json;
import io.kubevde.cni.protocol.JsonException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a client of the capture socket asks for: one JSON object on one line, for example {@code
 * {"network":"default/blue","pod":"default/pod-a","snaplen":262144,"count":100}}.
 *
 * @param network the VdeNetwork, {@code namespace/name} (required)
 * @param pod only the frames to and from this pod's interfaces on the network ({@code
 *     namespace/name}), or null
 * @param mac only the frames to or from this unicast MAC (and the broadcast/multicast frames that
 *     reach it), or null; with {@code pod} the pod's MACs are used
 * @param snaplen bytes kept per frame, 1..262144 (default 262144: whole frames)
 * @param count frames to capture before the agent ends the stream, 0 = until the client goes
 */
public record CaptureRequest(String network, String pod, String mac, int snaplen, long count) {
  /** The default and largest snaplen (bytes), as tcpdump's. */
  public static final int MAX_SNAPLEN = 262144;

  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?");
  private static final Pattern MAC = Pattern.compile("([0-9a-f]{2}:){5}[0-9a-f]{2}");

  /**
   * Validates every field.
   *
   * @throws IllegalArgumentException naming the bad field
   */
  public CaptureRequest {
    if (network == null || !NAME.matcher(network).matches())
      throw new IllegalArgumentException("network must be namespace/name: " + network);
    if (pod != null && !NAME.matcher(pod).matches())
      throw new IllegalArgumentException("pod must be namespace/name: " + pod);
    if (mac != null) {
      mac = mac.toLowerCase(java.util.Locale.ROOT);
      if (!MAC.matcher(mac).matches() || (Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0)
        throw new IllegalArgumentException("mac must be a unicast MAC: " + mac);
    }
    if (snaplen < 1 || snaplen > MAX_SNAPLEN)
      throw new IllegalArgumentException("snaplen must be 1.." + MAX_SNAPLEN + ": " + snaplen);
    if (count < 0) throw new IllegalArgumentException("count must be >= 0: " + count);
  }

  /**
   * Decodes one request line.
   *
   * @throws IllegalArgumentException for bad JSON, an unknown key or a bad value (naming it)
   */
  public static CaptureRequest parse(String line) {
    Map<String, Object> m;
    try {
      m = Json.parseObject(line);
    } catch (JsonException e) {
      throw new IllegalArgumentException("bad request: " + e.getMessage());
    }
    for (String k : m.keySet())
      if (!java.util.Set.of("network", "pod", "mac", "snaplen", "count").contains(k))
        throw new IllegalArgumentException("unknown key " + k);
    return new CaptureRequest(
        string(m, "network"),
        string(m, "pod"),
        string(m, "mac"),
        (int) number(m, "snaplen", MAX_SNAPLEN, MAX_SNAPLEN),
        number(m, "count", 0, Long.MAX_VALUE));
  }

  private static String string(Map<String, Object> m, String k) {
    Object v = m.get(k);
    if (v == null) return null;
    if (!(v instanceof String s)) throw new IllegalArgumentException(k + " must be a string");
    return s;
  }

  private static long number(Map<String, Object> m, String k, long dflt, long max) {
    Object v = m.get(k);
    if (v == null) return dflt;
    if (!(v instanceof Number n) || n.doubleValue() != n.longValue() || n.longValue() > max)
      throw new IllegalArgumentException(k + " must be an integer up to " + max + ": " + v);
    return n.longValue();
  }

  /** The request as its one-line JSON form. */
  public String toJson() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("network", network);
    if (pod != null) m.put("pod", pod);
    if (mac != null) m.put("mac", mac);
    m.put("snaplen", (long) snaplen);
    m.put("count", count);
    return Json.write(m);
  }
}
