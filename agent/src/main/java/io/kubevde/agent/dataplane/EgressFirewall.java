package io.kubevde.agent.dataplane;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The node's nftables rules for egress gateways (agent/README.md "Egress"): one table {@code inet
 * kubevde} owned by the agent, rewritten whole and atomically ({@code nft -f -}: create, delete and
 * define in one transaction) from the set of gateways each time it changes, and deleted when no
 * gateway is left or the agent stops — so a restart, a changed network or a removed egress never
 * leaves a rule behind, and rules of a previous run are replaced by the first sync.
 *
 * <p>What the rules allow a tenant (traffic entering a gateway interface {@code kvg*}):
 *
 * <ul>
 *   <li>forwarded, masqueraded to the node's address: packets whose source is inside the network's
 *       subnet (no spoofing) to any destination that is not {@link EgressSettings#allDenied()}, not
 *       another gateway interface (another VdeNetwork, or a hairpin into the same one) and not the
 *       node itself;
 *   <li>to the node: only echo requests to the network's own gateway address, and replies to what
 *       the node opened;
 *   <li>into a tenant network from outside: only replies (connection tracking), nothing new.
 * </ul>
 *
 * IPv6 from a gateway interface is dropped (masquerade is IPv4 only; the taps have IPv6 off).
 */
public final class EgressFirewall {
  /** The table's family and name. */
  public static final String TABLE = "inet kubevde";

  private static final String ANY_GW = "\"" + EgressGateway.IF_PREFIX + "*\"";
  private final String netns;
  private final List<String> denied;
  private String applied;

  /**
   * @param settings the denied destinations and the node's netns
   */
  public EgressFirewall(EgressSettings settings) {
    this.netns = settings.nodeNetns();
    this.denied = settings.allDenied();
  }

  /**
   * The nft script for {@code gateways} (pure).
   *
   * @param gateways the gateways of this node (none: the script only deletes the table)
   * @param denied IPv4 CIDRs tenants may not reach
   * @return the script for {@code nft -f -}
   */
  public static String render(Collection<EgressGateway> gateways, List<String> denied) {
    StringBuilder s = new StringBuilder();
    s.append("table ").append(TABLE).append('\n');
    s.append("delete table ").append(TABLE).append('\n');
    if (gateways.isEmpty()) return s.toString();
    List<EgressGateway> gws = new ArrayList<>(gateways);
    gws.sort(Comparator.comparing(EgressGateway::network));
    s.append("table ").append(TABLE).append(" {\n");
    s.append("  set denied {\n    type ipv4_addr\n    flags interval\n    elements = { ")
        .append(String.join(", ", denied))
        .append(" }\n  }\n");
    s.append("  chain input {\n    type filter hook input priority filter; policy accept;\n");
    s.append("    iifname ").append(ANY_GW).append(" ct state established,related accept\n");
    for (EgressGateway g : gws)
      s.append("    iifname \"")
          .append(g.ifName())
          .append("\" ip daddr ")
          .append(g.gateway())
          .append(" icmp type echo-request accept comment \"")
          .append(g.network())
          .append("\"\n");
    s.append("    iifname ").append(ANY_GW).append(" counter drop\n  }\n");
    s.append("  chain forward {\n    type filter hook forward priority filter; policy accept;\n");
    s.append("    iifname ").append(ANY_GW).append(" oifname ").append(ANY_GW);
    s.append(" counter drop\n");
    s.append("    oifname ").append(ANY_GW).append(" ct state established,related accept\n");
    s.append("    oifname ").append(ANY_GW).append(" counter drop\n");
    s.append("    iifname ").append(ANY_GW).append(" ip daddr @denied counter drop\n");
    for (EgressGateway g : gws)
      s.append("    iifname \"")
          .append(g.ifName())
          .append("\" ip saddr ")
          .append(g.subnet())
          .append(" accept comment \"")
          .append(g.network())
          .append("\"\n");
    s.append("    iifname ").append(ANY_GW).append(" counter drop\n  }\n");
    s.append(
        "  chain postrouting {\n    type nat hook postrouting priority srcnat; policy accept;\n");
    for (EgressGateway g : gws)
      s.append("    iifname \"")
          .append(g.ifName())
          .append("\" ip saddr ")
          .append(g.subnet())
          .append(" masquerade comment \"")
          .append(g.network())
          .append("\"\n");
    s.append("  }\n}\n");
    return s.toString();
  }

  /**
   * Makes the table match {@code gateways} (no-op when the script is the one last applied).
   *
   * @throws IOException when {@code nft} is missing or refuses the script (message: its output)
   */
  public synchronized void sync(Collection<EgressGateway> gateways) throws IOException {
    String script = render(gateways, denied);
    if (script.equals(applied)) return;
    nft(script);
    applied = script;
  }

  /** Deletes the table (best effort: logged by the caller when it fails). */
  public synchronized void clear() throws IOException {
    applied = null;
    nft(render(List.of(), denied));
  }

  /**
   * @return whether an {@code nft} executable is on the {@code PATH}
   */
  public static boolean installed() {
    String path = System.getenv("PATH");
    if (path == null) return false;
    for (String dir : path.split(":"))
      if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, "nft")))
        return true;
    return false;
  }

  private void nft(String script) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (netns != null) cmd.addAll(List.of("nsenter", "--net=" + netns));
    cmd.addAll(List.of("nft", "-f", "-"));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(script.getBytes(StandardCharsets.UTF_8));
    }
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("nft did not finish in 10 s");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running nft", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    if (p.exitValue() != 0) throw new IOException("nft -f - exited " + p.exitValue() + ": " + out);
  }
}
