package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.overlay.SenderPrefix;
import io.kubevde.vdeplug.plugin.overlay.UdpSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which UDP senders a vxvde plug accepts, decided on the raw source address before anything in the
 * datagram is parsed or learned (a kubevde extension of vde-protocols.md §4.4; C vxvde accepts
 * every sender):
 *
 * <ul>
 *   <li>unicast mode ({@code peers=}): the source IP <em>and</em> port must be one of the
 *       configured peers (unicast-mode nodes send from their listening port, so a peer's datagrams
 *       come from exactly the address in the list); anything else is {@link Verdict#NOT_A_PEER};
 *   <li>{@code allow=} (either mode): the source IP must lie in one of the prefixes of the plug's
 *       family; anything else is {@link Verdict#NOT_ALLOWED}. Without {@code allow=}, every sender
 *       passes this check (multicast mode then behaves exactly like C vxvde).
 * </ul>
 *
 * Addresses are compared as raw big-endian bytes (IPv4: the low 32 bits of {@code lo}; IPv6: {@code
 * hi}, {@code lo}); IPv6 scope ids are ignored. Immutable and thread-safe; {@link
 * #verdict(UdpSocket, int)} never allocates.
 */
public final class SenderFilter {
  /** The outcome of the sender check. */
  public enum Verdict {
    ACCEPT,
    NOT_A_PEER,
    NOT_ALLOWED
  }

  private final boolean v6;
  private final boolean checkPeers;
  private final long[] peerHi;
  private final long[] peerLo;
  private final int[] peerPort;
  private final boolean checkPrefixes;
  private final long[] netHi;
  private final long[] netLo;
  private final long[] maskHi;
  private final long[] maskLo;

  /**
   * @param v6 the plug's family (a sender of the other family never passes an active check)
   * @param peers unicast-mode peers (IP and port must match); empty = no peer check
   * @param prefixes {@code allow=} prefixes (entries of the other family are ignored); empty = no
   *     prefix check
   */
  public SenderFilter(boolean v6, List<InetSocketAddress> peers, List<SenderPrefix> prefixes) {
    this.v6 = v6;
    this.checkPeers = !peers.isEmpty();
    List<long[]> keys = new ArrayList<>();
    for (InetSocketAddress p : peers) {
      long[] a = words(p.getAddress());
      if (a != null && (p.getAddress().getAddress().length == 16) == v6)
        keys.add(new long[] {a[0], a[1], p.getPort()});
    }
    keys.sort(
        Comparator.<long[]>comparingLong(k -> k[0])
            .thenComparingLong(k -> k[1])
            .thenComparingLong(k -> k[2]));
    peerHi = new long[keys.size()];
    peerLo = new long[keys.size()];
    peerPort = new int[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      peerHi[i] = keys.get(i)[0];
      peerLo[i] = keys.get(i)[1];
      peerPort[i] = (int) keys.get(i)[2];
    }
    this.checkPrefixes = !prefixes.isEmpty();
    List<SenderPrefix> mine = prefixes.stream().filter(p -> p.ipv6() == v6).toList();
    netHi = new long[mine.size()];
    netLo = new long[mine.size()];
    maskHi = new long[mine.size()];
    maskLo = new long[mine.size()];
    for (int i = 0; i < mine.size(); i++) {
      long[] n = words(mine.get(i).network());
      int len = mine.get(i).length();
      if (v6) {
        maskHi[i] = mask64(Math.min(64, len));
        maskLo[i] = mask64(Math.max(0, len - 64));
      } else {
        maskLo[i] = mask64(len) >>> 32;
      }
      netHi[i] = n[0] & maskHi[i];
      netLo[i] = n[1] & maskLo[i];
    }
  }

  /**
   * The filter of a plug's configuration: its peers (unicast mode) and its {@code allow=} prefixes.
   */
  public static SenderFilter of(VxvdeConfig c) {
    return new SenderFilter(c.ipv6(), c.peers(), c.allow());
  }

  /** Whether any check is active (false: every sender is accepted, as in C vxvde). */
  public boolean active() {
    return checkPeers || checkPrefixes;
  }

  /**
   * The verdict for the sender of slot {@code i} of {@code s}'s last batch, from its raw sockaddr.
   */
  public Verdict verdict(UdpSocket s, int i) {
    if (!active()) return Verdict.ACCEPT;
    int fam = s.senderFamily(i);
    int family = fam == LibC.AF_INET6 ? 6 : fam == LibC.AF_INET ? 4 : 0;
    return verdict(family, s.senderAddressHigh(i), s.senderAddressLow(i), s.senderPort(i));
  }

  /** The verdict for {@code from} (for tools and tests; allocates). */
  public Verdict verdict(InetSocketAddress from) {
    long[] w = words(from.getAddress());
    if (w == null) return verdict(0, 0, 0, from.getPort());
    return verdict(from.getAddress().getAddress().length == 16 ? 6 : 4, w[0], w[1], from.getPort());
  }

  /**
   * The verdict for a sender given as raw values.
   *
   * @param family 4, 6, or anything else for an unknown family (never accepted by an active check)
   * @param hi IPv6 bytes 0..7 big-endian; 0 for IPv4
   * @param lo IPv6 bytes 8..15 big-endian; IPv4: the address as an unsigned 32-bit value
   * @param port the source port
   */
  public Verdict verdict(int family, long hi, long lo, int port) {
    if (!active()) return Verdict.ACCEPT;
    if (family != (v6 ? 6 : 4)) return checkPeers ? Verdict.NOT_A_PEER : Verdict.NOT_ALLOWED;
    if (checkPeers && !isPeer(hi, lo, port)) return Verdict.NOT_A_PEER;
    if (checkPrefixes && !inPrefixes(hi, lo)) return Verdict.NOT_ALLOWED;
    return Verdict.ACCEPT;
  }

  private boolean isPeer(long hi, long lo, int port) {
    int low = 0;
    int high = peerHi.length - 1;
    while (low <= high) {
      int mid = (low + high) >>> 1;
      int c = Long.compare(peerHi[mid], hi);
      if (c == 0) c = Long.compare(peerLo[mid], lo);
      if (c == 0) c = Integer.compare(peerPort[mid], port);
      if (c == 0) return true;
      if (c < 0) low = mid + 1;
      else high = mid - 1;
    }
    return false;
  }

  private boolean inPrefixes(long hi, long lo) {
    for (int i = 0; i < netHi.length; i++) {
      if ((hi & maskHi[i]) == netHi[i] && (lo & maskLo[i]) == netLo[i]) return true;
    }
    return false;
  }

  /** The {@code len} most significant bits of a long set (0..64). */
  private static long mask64(int len) {
    return len == 0 ? 0 : -1L << (64 - len);
  }

  /**
   * {hi, lo} of an address as in {@link #verdict(int, long, long, int)}, or null for an unknown
   * kind.
   */
  private static long[] words(InetAddress a) {
    byte[] b = a.getAddress();
    ByteBuffer w = ByteBuffer.wrap(b);
    if (b.length == 4) return new long[] {0, w.getInt(0) & 0xFFFF_FFFFL};
    if (b.length == 16) return new long[] {w.getLong(0), w.getLong(8)};
    return null;
  }
}
