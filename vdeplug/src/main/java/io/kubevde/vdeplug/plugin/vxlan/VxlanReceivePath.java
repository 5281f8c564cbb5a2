package io.kubevde.vdeplug.plugin.vxlan;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.Macs;
import io.kubevde.vdeplug.plugin.overlay.SenderPrefix;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * What vxlan does with one received datagram (vde-protocols.md §4.3 "Receive", RFC 7348 §5),
 * independent of sockets: the flags byte must be exactly 0x08 and the VNI ours (reserved bytes
 * ignored, as RFC 7348 asks); the frame must be 14..{@link Plug#MAX_FRAME} bytes; then the source
 * MAC is learned as <em>sender IP, configured port</em> (VXLAN peers such as the Linux kernel send
 * from random source ports but listen on the VXLAN port; vdeplug4 learns garbage here, §12.3) and
 * the frame is delivered. With an {@code allow=} list a sender whose IP lies in none of its
 * prefixes is dropped first (counted as {@link PlugStats#dropped}), before anything is parsed or
 * learned. Never throws on content; allocates only when a MAC moves to a new sender or a new sender
 * is checked.
 */
public final class VxlanReceivePath {
  static final int VLAN = 1;

  private final VxlanHeader header;
  private final int port;
  private final MacTable table;
  private final PlugStats stats;
  private final LongSupplier clockMillis;
  private final List<SenderPrefix> allow;
  private InetSocketAddress lastFrom;
  private InetSocketAddress lastLearned;
  private InetSocketAddress lastChecked;
  private boolean lastAllowed;

  /**
   * @param header our header (VNI)
   * @param port the VXLAN port peers listen on; learned addresses use it instead of the source port
   */
  public VxlanReceivePath(
      VxlanHeader header, int port, MacTable table, PlugStats stats, LongSupplier clockMillis) {
    this(header, port, table, stats, clockMillis, List.of());
  }

  /**
   * As {@link #VxlanReceivePath(VxlanHeader, int, MacTable, PlugStats, LongSupplier)}, accepting
   * only senders inside {@code allow} (empty = any).
   */
  public VxlanReceivePath(
      VxlanHeader header,
      int port,
      MacTable table,
      PlugStats stats,
      LongSupplier clockMillis,
      List<SenderPrefix> allow) {
    this.allow = List.copyOf(allow);
    this.header = header;
    this.port = port;
    this.table = table;
    this.stats = stats;
    this.clockMillis = clockMillis;
  }

  /**
   * Handles bytes {@code [0, length)} of {@code datagram} received from {@code from}; copies the
   * frame to {@code out} at its position.
   *
   * @return the frame length or {@link Plug#NO_FRAME}
   */
  public int accept(ByteBuffer datagram, int length, InetSocketAddress from, ByteBuffer out) {
    if (length < VxlanHeader.LENGTH + Plug.MIN_FRAME
        || length > datagram.capacity()
        || from == null
        || !header.matchesFlagsAndVni(datagram, 0)) {
      stats.malformed();
      return Plug.NO_FRAME;
    }
    if (!allow.isEmpty() && !allowed(from)) {
      stats.dropped();
      return Plug.NO_FRAME;
    }
    int frameLen = length - VxlanHeader.LENGTH;
    if (frameLen > Plug.MAX_FRAME) {
      stats.malformed();
      return Plug.NO_FRAME;
    }
    if (out.remaining() < frameLen) {
      stats.dropped();
      return Plug.NO_FRAME;
    }
    long src = Macs.source(datagram, VxlanHeader.LENGTH);
    if (!Macs.isGroup(src) && table.enabled()) {
      if (from != lastFrom) {
        lastLearned =
            from.getPort() == port ? from : new InetSocketAddress(from.getAddress(), port);
        lastFrom = from;
      }
      table.learn(MacTable.key(src, VLAN), lastLearned, clockMillis.getAsLong());
    }
    out.put(out.position(), datagram, VxlanHeader.LENGTH, frameLen);
    out.position(out.position() + frameLen);
    stats.received(frameLen);
    return frameLen;
  }

  /** The sender check, cached for the last sender (the channel reuses an unchanged address). */
  private boolean allowed(InetSocketAddress from) {
    if (from != lastChecked) {
      boolean ok = false;
      for (SenderPrefix p : allow) ok |= p.contains(from.getAddress());
      lastAllowed = ok;
      lastChecked = from;
    }
    return lastAllowed;
  }
}
