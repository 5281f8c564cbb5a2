package io.kubevde.vdeplug.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Map;

/**
 * Gates for tests that need root or a Debian tool. Not root: the test is skipped with a message (a
 * developer's machine). Root (CI, e2e/lib/env.sh installs every tool): a missing tool is a
 * <b>failure</b> naming the package to {@code apt-get install}, so that a CI image that lost a tool
 * cannot turn interop tests into silent skips.
 */
public final class Requirements {
  private Requirements() {}

  /** The Debian package of each tool the tests use. */
  private static final Map<String, String> PACKAGES =
      Map.ofEntries(
          Map.entry("vde_plug", "vdeplug"),
          Map.entry("dpipe", "vdeplug"),
          Map.entry("vde_switch", "vde-switch"),
          Map.entry("unixterm", "vde2"),
          Map.entry("vdeterm", "vde2"),
          Map.entry("iperf3", "iperf3"),
          Map.entry("python3", "python3"),
          Map.entry("ss", "iproute2"),
          Map.entry("ip", "iproute2"),
          Map.entry("ethtool", "ethtool"),
          Map.entry("tcpdump", "tcpdump"),
          Map.entry("ping", "iputils-ping"),
          Map.entry("script", "bsdutils"));

  private static volatile Boolean root;

  /** Whether this JVM runs as root (uid 0). */
  public static boolean isRoot() {
    Boolean r = root;
    if (r == null) root = r = "0".equals(Sh.exec("id", "-u").output().trim());
    return r;
  }

  /** Skips unless root. */
  public static void assumeRoot() {
    assumeTrue(
        isRoot(),
        "SKIPPED: needs root for network namespaces, taps and multicast routes (run as root)");
  }

  /**
   * Requires every tool on the PATH: when one is missing, fails as root (naming its Debian package)
   * and skips otherwise.
   */
  public static void assumeTools(String... tools) {
    for (String t : tools) {
      if (Sh.has(t)) continue;
      String install = "apt-get install " + PACKAGES.getOrDefault(t, t);
      if (isRoot()) {
        throw new AssertionError(
            "'"
                + t
                + "' is not on the PATH: "
                + install
                + " (as root every interop tool must be present; e2e/lib/env.sh installs them)");
      }
      assumeTrue(false, "SKIPPED: needs '" + t + "' on the PATH (" + install + ")");
    }
  }

  /**
   * Skips unless root; as root, fails unless the C vdeplug4 binaries (Debian vdeplug, vde-switch)
   * are installed.
   */
  public static void assumeRootWithCTools() {
    assumeRoot();
    assumeTools("ip", "vde_plug", "dpipe", "vde_switch", "ping");
  }
}
