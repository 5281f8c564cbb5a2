package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.Json;
import io.kubevde.cni.protocol.TapAlias;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * DEL without the agent (k8s-conventions.md §1.3: DEL must succeed when the agent is down): if
 * {@code CNI_NETNS} names an existing namespace and {@code CNI_IFNAME} there is a kubevde tap (link
 * kind {@code tun} and an {@code ifalias} starting with {@code kubevde/}, which the agent sets on
 * every tap it creates), deletes it with {@code nsenter --net=<netns> ip link del}; so are the
 * other kubevde taps of the same container ({@link #run(String, String, String)}: chained
 * attachments). Any other interface is left alone. Addresses and the attachment record are released
 * by the agent when it comes back: once the netns is gone (its reconcile), or at the next ADD in
 * the same netns and interface name (the old record's interface is gone).
 */
public final class LocalCleanup {
  private LocalCleanup() {}

  /**
   * Best effort: never throws; returns what happened, for a log line on stderr.
   *
   * @param netns CNI_NETNS (may be empty)
   * @param ifName CNI_IFNAME
   */
  public static String run(String netns, String ifName) {
    return run(netns, ifName, null);
  }

  /**
   * Like {@link #run(String, String)}, and then also deletes every other kubevde tap in the netns
   * whose alias names {@code containerId} ({@code kubevde/<network>/<containerId>}): the interfaces
   * kubevde made for that container under other names (chained after a primary plugin, kubevde's
   * taps are {@code net1}, … while CNI_IFNAME is the primary's {@code eth0}).
   *
   * @param containerId CNI_CONTAINERID, or null/empty for none
   */
  public static String run(String netns, String ifName, String containerId) {
    String own = runOne(netns, ifName);
    if (containerId == null || containerId.isEmpty() || netns == null || netns.isEmpty())
      return own;
    if (!Files.exists(Path.of(netns))) return own;
    List<String> more = new java.util.ArrayList<>();
    try {
      Result all = exec(List.of("nsenter", "--net=" + netns, "ip", "-j", "-d", "link", "show"));
      if (all.exit() != 0 || !(Json.parse(all.out()) instanceof List<?> links)) return own;
      for (Object o : links) {
        if (!(o instanceof java.util.Map<?, ?> link)
            || !TapAlias.isKubevdeTap(link)
            || !(link.get("ifname") instanceof String name)
            || name.equals(ifName)
            || !String.valueOf(link.get("ifalias")).endsWith("/" + containerId)) continue;
        Result del = exec(List.of("nsenter", "--net=" + netns, "ip", "link", "del", "dev", name));
        if (del.exit() == 0) more.add(name);
      }
    } catch (IOException | RuntimeException e) {
      return own + "; listing the netns failed: " + e.getMessage();
    }
    return more.isEmpty() ? own : own + "; deleted taps " + more + " of the container";
  }

  private static String runOne(String netns, String ifName) {
    if (netns == null || netns.isEmpty()) return "no CNI_NETNS: nothing to clean locally";
    if (!Files.exists(Path.of(netns))) return "netns " + netns + " is gone: nothing to clean";
    try {
      Result show =
          exec(
              List.of(
                  "nsenter", "--net=" + netns, "ip", "-j", "-d", "link", "show", "dev", ifName));
      if (show.exit() != 0) return "no interface " + ifName + " in " + netns;
      if (!isKubevdeTap(show.out()))
        return "interface " + ifName + " in " + netns + " is not a kubevde tap: left alone";
      Result del = exec(List.of("nsenter", "--net=" + netns, "ip", "link", "del", "dev", ifName));
      return del.exit() == 0
          ? "deleted tap " + ifName + " in " + netns
          : "could not delete " + ifName + ": " + del.out().strip();
    } catch (IOException e) {
      return "local cleanup failed: " + e.getMessage();
    }
  }

  /**
   * Whether {@code ip -j -d link show} output describes a tap the agent created ({@link TapAlias}).
   */
  public static boolean isKubevdeTap(String ipJson) {
    return TapAlias.isKubevdeTap(ipJson);
  }

  private record Result(int exit, String out) {}

  private static Result exec(List<String> cmd) throws IOException {
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + String.join(" ", cmd));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    return new Result(p.exitValue(), out);
  }
}
