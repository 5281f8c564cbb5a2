package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.Macs;
import io.kubevde.vdeplug.plugin.overlay.SelfEcho;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.function.LongSupplier;

/**
 * What vxvde does with one received UDP datagram (vde-protocols.md §4.4 "Receive" and "Goodbye"),
 * independent of sockets so it can be tested with any bytes:
 *
 * <ol>
 *   <li>shorter than the 8-byte header, or a header that is not ours apart from the VNI: malformed
 *       ({@code badHeader}), dropped; our header with another VNI: malformed ({@code wrongVni}),
 *       dropped;
 *   <li>exactly the 8 header bytes: a goodbye, every table entry learned from the sender is
 *       forgotten;
 *   <li>a frame shorter than 14 bytes or longer than {@link Plug#MAX_FRAME}: malformed ({@code
 *       badLength}), dropped (a frame of exactly 14 bytes is accepted: vdeplug4 drops it, §12.4);
 *   <li>on the group socket, our own looped-back multicast ({@link SelfEcho}): dropped ({@code
 *       selfEcho});
 *   <li>learn (source MAC, VLAN 1) → sender unless the source MAC is a group address; deliver the
 *       frame.
 * </ol>
 *
 * The sender check ({@link SenderFilter}) happens before, on the raw source address, in {@link
 * VxvdePlug}: only datagrams of accepted senders reach this class, so only they can teach the
 * table. Never throws on datagram content; never allocates.
 */
public final class VxvdeReceivePath {
  /** vdeplug4 always keys the table with VLAN 1. */
  static final int VLAN = 1;

  private final VxlanHeader header;
  private final MacTable table;
  private final PlugStats stats;
  private final VxvdeCounters counters;
  private final SelfEcho selfEcho;
  private final LongSupplier clockMillis;

  /**
   * @param header our header (VNI)
   * @param table the learning table (shared with the send path)
   * @param stats counters to update
   * @param selfEcho the self-echo rule for datagrams on the group socket
   * @param clockMillis current time in ms, for learning timestamps
   */
  public VxvdeReceivePath(
      VxlanHeader header,
      MacTable table,
      PlugStats stats,
      SelfEcho selfEcho,
      LongSupplier clockMillis) {
    this(header, table, stats, new VxvdeCounters(), selfEcho, clockMillis);
  }

  /**
   * @param header our header (VNI)
   * @param table the learning table (shared with the send path)
   * @param stats counters to update
   * @param counters per-reason counters to update
   * @param selfEcho the self-echo rule for datagrams on the group socket
   * @param clockMillis current time in ms, for learning timestamps
   */
  public VxvdeReceivePath(
      VxlanHeader header,
      MacTable table,
      PlugStats stats,
      VxvdeCounters counters,
      SelfEcho selfEcho,
      LongSupplier clockMillis) {
    this.header = header;
    this.table = table;
    this.stats = stats;
    this.counters = counters;
    this.selfEcho = selfEcho;
    this.clockMillis = clockMillis;
  }

  /**
   * Handles one datagram: bytes {@code [0, length)} of {@code datagram} (absolute indices).
   *
   * @param fromGroup whether it arrived on the group (multicast/listening) socket, where self-echo
   *     applies
   * @param out where the frame is copied (at its position, which is advanced)
   * @return the frame length (≥ 14) or {@link Plug#NO_FRAME} when nothing is delivered
   */
  public int accept(
      ByteBuffer datagram, int length, InetSocketAddress from, boolean fromGroup, ByteBuffer out) {
    return accept(datagram, 0, length, from, fromGroup, out);
  }

  /**
   * As {@link #accept(ByteBuffer, int, InetSocketAddress, boolean, ByteBuffer)} for the datagram at
   * bytes {@code [off, off + length)} (one of several a {@code UDP_GRO} read coalesced).
   */
  public int accept(
      ByteBuffer datagram,
      int off,
      int length,
      InetSocketAddress from,
      boolean fromGroup,
      ByteBuffer out) {
    if (off < 0
        || length < VxlanHeader.LENGTH
        || (long) off + length > datagram.capacity()
        || from == null) {
      stats.malformed();
      counters.badHeader.increment();
      return Plug.NO_FRAME;
    }
    if (!header.matchesExactly(datagram, off)) {
      stats.malformed();
      if (ourHeaderButVni(datagram, off)) counters.wrongVni.increment();
      else counters.badHeader.increment();
      return Plug.NO_FRAME;
    }
    if (length == VxlanHeader.LENGTH) {
      table.forgetAddress(from);
      counters.goodbyes.increment();
      return Plug.NO_FRAME;
    }
    int frameLen = length - VxlanHeader.LENGTH;
    if (frameLen < Plug.MIN_FRAME || frameLen > Plug.MAX_FRAME) {
      stats.malformed();
      counters.badLength.increment();
      return Plug.NO_FRAME;
    }
    if (fromGroup && selfEcho.isSelf(from)) {
      counters.selfEcho.increment();
      return Plug.NO_FRAME;
    }
    if (out.remaining() < frameLen) {
      stats.dropped();
      return Plug.NO_FRAME;
    }
    long src = Macs.source(datagram, off + VxlanHeader.LENGTH);
    if (!Macs.isGroup(src)) table.learn(MacTable.key(src, VLAN), from, clockMillis.getAsLong());
    out.put(out.position(), datagram, off + VxlanHeader.LENGTH, frameLen);
    out.position(out.position() + frameLen);
    stats.received(frameLen);
    return frameLen;
  }

  /** Whether bytes 0..7 are a vxvde header (flags 0x08, reserved bytes 0) with any VNI. */
  private static boolean ourHeaderButVni(ByteBuffer d, int off) {
    return (d.get(off) & 0xFF) == VxlanHeader.FLAGS
        && d.get(off + 1) == 0
        && d.get(off + 2) == 0
        && d.get(off + 3) == 0
        && d.get(off + 7) == 0;
  }
}
