package io.kubevde.vdeplug.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Skips a test, with a message, only when it truly cannot run: not root, or a tool missing. CI is root and installs
 * every tool (e2e/lib/env.sh), so there these assumptions always hold.
 */
public final class Requirements {
    private Requirements() {}

    /** Whether this JVM runs as root (uid 0). */
    public static boolean isRoot() {
        return "0".equals(Sh.exec("id", "-u").output().trim());
    }

    /** Skips unless root. */
    public static void assumeRoot() {
        assumeTrue(isRoot(), "SKIPPED: needs root for network namespaces, taps and multicast routes (run as root)");
    }

    /** Skips unless every tool is on the PATH. */
    public static void assumeTools(String... tools) {
        for (String t : tools) {
            assumeTrue(Sh.has(t), "SKIPPED: needs '" + t + "' on the PATH (e2e/lib/env.sh installs it)");
        }
    }

    /** Skips unless root and the C vdeplug4 binaries (Debian vdeplug, vde-switch) are installed. */
    public static void assumeRootWithCTools() {
        assumeRoot();
        assumeTools("ip", "vde_plug", "dpipe", "vde_switch", "ping");
    }
}
