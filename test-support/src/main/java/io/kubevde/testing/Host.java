package io.kubevde.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a test needs from the host, checked so that a root run (CI is root, and e2e/lib/env.sh
 * installs every Debian package) can never hide a regression behind a skip:
 *
 * <ul>
 *   <li>{@link #requireRoot()} skips, with a message, only when the JVM is not root;
 *   <li>{@link #requireTool} and {@link #requireFile} FAIL when root and the tool is missing,
 *       naming the Debian package to {@code apt-get install}; they skip only when not root (such a
 *       run skips the root tests anyway).
 * </ul>
 */
public final class Host {
  private Host() {}

  /**
   * @return whether this JVM runs as root (effective uid 0: the second field of "Uid:" in
   *     /proc/self/status)
   */
  public static boolean isRoot() {
    try {
      return Files.readAllLines(Path.of("/proc/self/status")).stream()
          .filter(l -> l.startsWith("Uid:"))
          .map(l -> l.split("\\s+")[2])
          .anyMatch("0"::equals);
    } catch (IOException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /**
   * Skips the calling test (JUnit assumption) unless root.
   *
   * @param why what needs root, for the message (e.g. "network namespaces and taps")
   */
  public static void requireRoot(String why) {
    if (!isRoot()) abort("SKIPPED: needs root for " + why + " (run as root; CI does)");
  }

  /** Skips the calling test unless root: it needs network namespaces and taps. */
  public static void requireRoot() {
    requireRoot("network namespaces and taps");
  }

  /**
   * Requires {@code tool} on the PATH.
   *
   * @param tool the command, e.g. {@code vde_plug}
   * @param debianPackage the Debian package that installs it, e.g. {@code vdeplug}
   * @throws AssertionError when root and the tool is missing (the message names the package to
   *     install)
   */
  public static void requireTool(String tool, String debianPackage) {
    if (Sh.has(tool)) return;
    missing("'" + tool + "' is not on the PATH", debianPackage);
  }

  /**
   * Requires a file a Debian package installs outside the PATH (a CNI plugin under /usr/lib/cni,
   * ...).
   *
   * @param file the file, which must be executable
   * @param debianPackage the Debian package that installs it
   * @throws AssertionError when root and the file is missing (the message names the package to
   *     install)
   */
  public static void requireFile(Path file, String debianPackage) {
    if (Files.isExecutable(file)) return;
    missing(file + " is missing", debianPackage);
  }

  private static void missing(String what, String debianPackage) {
    String install = "apt-get install " + debianPackage + " (e2e/lib/env.sh installs it)";
    if (isRoot()) fail(what + ": " + install);
    abort("SKIPPED: " + what + " and not root: " + install);
  }
}
