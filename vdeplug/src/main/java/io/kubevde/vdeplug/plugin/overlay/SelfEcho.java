package io.kubevde.vdeplug.plugin.overlay;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Set;

/**
 * vxvde self-echo suppression (vde-protocols.md §4.4 receive step 3, §13): a datagram on the group
 * socket is our own multicast looped back when its source port equals our unicast socket's port and
 * its source IP is one of this host's addresses. Java cannot read IP_PKTINFO, so the IPv6 rule of
 * vdeplug4 is used for both families: the local addresses are cached, and re-read (at most once a
 * second) when a datagram from our port comes from an unknown address, so a newly added address is
 * learned without a per-datagram interface scan.
 */
public final class SelfEcho {
  private final int ownPort;
  private volatile Set<InetAddress> local;
  private long refreshedAt;

  /**
   * @param ownPort the local port of our unicast (sending) socket
   */
  public SelfEcho(int ownPort) {
    this.ownPort = ownPort;
    this.local = OverlayNet.localAddresses();
    this.refreshedAt = System.nanoTime();
  }

  /** For tests: a fixed address set that is never refreshed. */
  public SelfEcho(int ownPort, Set<InetAddress> localAddresses) {
    this.ownPort = ownPort;
    this.local = Set.copyOf(localAddresses);
    this.refreshedAt = Long.MAX_VALUE / 2;
  }

  /** Whether {@code from} is our own unicast socket. */
  public boolean isSelf(InetSocketAddress from) {
    if (from.getPort() != ownPort) return false;
    InetAddress a = from.getAddress();
    if (local.contains(a)) return true;
    long now = System.nanoTime();
    if (now - refreshedAt > 1_000_000_000L) {
      refreshedAt = now;
      local = OverlayNet.localAddresses();
      return local.contains(OverlayNet.plain(a));
    }
    return false;
  }

  /** Whether {@code a} is one of this host's addresses (cached). */
  public boolean isLocal(InetAddress a) {
    return local.contains(OverlayNet.plain(a));
  }
}
