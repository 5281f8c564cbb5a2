package io.kubevde.agent.model;

import java.nio.charset.StandardCharsets;

/**
 * The identity of an attachment (k8s-conventions.md §1.3 "State key"): CNI network name, container
 * id and interface name.
 *
 * @param network the CNI network name (config {@code name})
 * @param containerId CNI_CONTAINERID
 * @param ifName CNI_IFNAME
 */
public record AttachmentKey(String network, String containerId, String ifName) {

  /** A (container id, interface) pair as listed in {@code cni.dev/valid-attachments}. */
  public record Id(String containerId, String ifName) {}

  /** This key's (container id, interface) pair. */
  public Id id() {
    return new Id(containerId, ifName);
  }

  /**
   * A file name unique to this key: the three parts percent-encoded (everything outside {@code
   * [A-Za-z0-9_.-]}), joined by {@code ,}, plus {@code .json}.
   */
  public String fileName() {
    return encode(network) + "," + encode(containerId) + "," + encode(ifName) + ".json";
  }

  /** Percent-encodes every byte of {@code s} outside {@code [A-Za-z0-9_.-]} (and a leading dot). */
  public static String encode(String s) {
    StringBuilder sb = new StringBuilder();
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    for (int i = 0; i < b.length; i++) {
      int c = b[i] & 0xff;
      boolean plain =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '-'
              || (c == '.' && i > 0);
      if (plain) sb.append((char) c);
      else
        sb.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
    }
    return sb.toString();
  }
}
