package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.netnode.stp.StpTimers;

/**
 * Settings of a netnode's spanning tree ({@link LoopProtection}).
 *
 * @param priority bridge priority, 0..65535 (lower wins the root election; vde-2's default 0x8000)
 * @param mac the bridge MAC (48 bits), the second half of the bridge id and the source of its BPDUs
 * @param timers hello, max age and forward delay
 * @param clientsAreEdge whether {@code vde://} clients of the rendezvous are edge ports (the agent:
 *     its clients are pods and VMs) or tree ports (vde_switch mode, as vde-2, where a cable to
 *     another switch is a client too)
 * @param treeClientPrefix clients <em>of this very process</em> whose request description starts
 *     with it are tree ports even when {@code clientsAreEdge} (the agent's links to another
 *     network's switch open their {@code vde://} plug with the description {@code "kubevde link
 *     ..."}); null = none. The process is the one that connected the client's control socket
 *     ({@code SO_PEERCRED}): another process (a pod, a VM, a {@code vde_plug}) claiming the prefix
 *     stays an edge port, its BPDUs dropped and counted, so it cannot take part in the tree (win
 *     the root election, block the uplink)
 */
public record LoopProtectionConfig(
    int priority, long mac, StpTimers timers, boolean clientsAreEdge, String treeClientPrefix) {

  /** vde-2's default priority. */
  public static final int DEFAULT_PRIORITY = 0x8000;

  /** Validates the priority and the MAC (a unicast MAC). */
  public LoopProtectionConfig {
    if (priority < 0 || priority > 0xFFFF)
      throw new IllegalArgumentException("priority must be 0..65535, got " + priority);
    if ((mac >>> 48) != 0 || ((mac >>> 40) & 1) != 0)
      throw new IllegalArgumentException("bridge MAC must be a 48-bit unicast MAC");
    if (timers == null) timers = StpTimers.DEFAULT;
  }

  /**
   * vde-2's default switch id: MAC {@code 00:ff} + 4 random bytes (locally chosen), priority
   * 0x8000.
   */
  public static LoopProtectionConfig random(boolean clientsAreEdge) {
    long rnd = new java.security.SecureRandom().nextInt() & 0xFFFF_FFFFL;
    return new LoopProtectionConfig(
        DEFAULT_PRIORITY, 0x00FF_0000_0000L | rnd, StpTimers.DEFAULT, clientsAreEdge, null);
  }

  /** Parses {@code aa:bb:cc:dd:ee:ff}. */
  public static long parseMac(String s) {
    String[] parts = s.split(":");
    if (parts.length != 6) throw new IllegalArgumentException("bad MAC " + s);
    long mac = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 2) throw new IllegalArgumentException("bad MAC " + s);
      mac = mac << 8 | Integer.parseInt(p, 16);
    }
    return mac;
  }

  /** Formats a 48-bit MAC as {@code aa:bb:cc:dd:ee:ff}. */
  public static String formatMac(long mac) {
    StringBuilder b = new StringBuilder();
    for (int i = 5; i >= 0; i--) {
      if (b.length() > 0) b.append(':');
      b.append(String.format("%02x", (mac >>> (8 * i)) & 0xFF));
    }
    return b.toString();
  }
}
