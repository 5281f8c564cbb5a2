package io.kubevde.cni.protocol;

import java.util.List;

/**
 * The CNI spec versions kubevde speaks (k8s-conventions.md §1.4): results are emitted in the
 * version of the request; 0.1.0/0.2.0 are refused with code 1.
 */
public final class CniVersions {
  private CniVersions() {}

  /** The newest version (CNI SPEC 1.1.0). */
  public static final String LATEST = "1.1.0";

  /**
   * Every version accepted in a config's {@code cniVersion}, oldest first (VERSION's
   * supportedVersions).
   */
  public static final List<String> SUPPORTED = List.of("0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0");

  /** Whether {@code v} is one of {@link #SUPPORTED}. */
  public static boolean isSupported(String v) {
    return v != null && SUPPORTED.contains(v);
  }

  /**
   * Whether results of version {@code v} carry {@code ips[].version} (0.3.x and 0.4.0 do; 1.0.0
   * removed it).
   */
  public static boolean hasIpVersionField(String v) {
    return v != null && v.startsWith("0.");
  }

  /**
   * Checks the config's version.
   *
   * @throws CniError.Failure code 7 when missing, code 1 when not supported
   */
  public static String require(String v) {
    if (v == null || v.isEmpty())
      throw new CniError.Failure(CniError.INVALID_CONFIG, "network config has no cniVersion");
    if (!isSupported(v)) {
      throw new CniError.Failure(
          new CniError(
              CniError.INCOMPATIBLE_VERSION,
              "incompatible CNI version " + v,
              "kubevde supports " + String.join(", ", SUPPORTED)));
    }
    return v;
  }
}
