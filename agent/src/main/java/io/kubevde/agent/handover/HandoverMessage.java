package io.kubevde.agent.handover;

import io.kubevde.agent.model.AttachmentKey;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The messages of the agent hand-over protocol (agent/README.md "Hand-over"), one per {@code
 * SOCK_SEQPACKET} record on {@code <run-dir>/handover.sock}. Every record is big-endian:
 *
 * <pre>
 * u32 magic 0x4B56484F ("KVHO") | u16 version (1) | u8 type | body
 * str = u16 length + UTF-8 bytes (at most 4096)
 * 1 HELLO     new → old: i64 pid, str agentVersion
 * 2 STATE     old → new: u32 fdCount,
 *                        u16 networks × (str key, str uplinkVnl, u8 fds, u32 firstFd),
 *                        u32 taps × (str network, str containerId, str ifName, u32 fd)
 * 3 FDS       old → new: u32 firstFd, u16 count; the fds as SCM_RIGHTS ancillary data
 * 4 TAKEN     new → old: (empty) every fd arrived; the old agent may stop
 * 5 RELEASED  old → new: (empty) the old agent stopped reading and freed its sockets and ports
 * 6 REFUSED   either:    str reason
 * </pre>
 *
 * Fd indexes count the fds of all FDS records in order, 0 to fdCount − 1. A record with another
 * magic or version, an unknown type, a string or count over its bound, or trailing bytes is refused
 * ({@link IOException}).
 */
public sealed interface HandoverMessage {
  /** "KVHO". */
  int MAGIC = 0x4B56484F;

  /** The protocol version this agent speaks. */
  int VERSION = 1;

  /** Longest string, bytes. */
  int MAX_STRING = 4096;

  /** Most networks or taps in one STATE. */
  int MAX_ITEMS = 65_535;

  /** The new agent introduces itself. */
  record Hello(long pid, String agentVersion) implements HandoverMessage {}

  /**
   * One network's uplink: its VNL and {@code fds} sockets from fd index {@code firstFd}: 2 (group,
   * unicast) or 1 (vxvde unicast mode: one socket); 0 when not handed over (sealed, not vxvde).
   */
  record Uplink(String network, String vnl, int fds, int firstFd) {}

  /** One pod's open tap at fd index {@code fd}. */
  record Tap(AttachmentKey key, int fd) {}

  /** What the old agent hands over; the fds follow in FDS records. */
  record State(int fdCount, List<Uplink> uplinks, List<Tap> taps) implements HandoverMessage {
    /** Copies the lists. */
    public State {
      uplinks = List.copyOf(uplinks);
      taps = List.copyOf(taps);
    }
  }

  /** A chunk of fds, indexes {@code firstFd} to {@code firstFd + count − 1}. */
  record Fds(int firstFd, int count) implements HandoverMessage {}

  /** The new agent holds every fd. */
  record Taken() implements HandoverMessage {}

  /** The old agent stopped and freed its sockets. */
  record Released() implements HandoverMessage {}

  /** The sender gives up the hand-over. */
  record Refused(String reason) implements HandoverMessage {}

  /** The record bytes of {@code m}. */
  static byte[] encode(HandoverMessage m) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeInt(MAGIC);
      out.writeShort(VERSION);
      switch (m) {
        case Hello h -> {
          out.writeByte(1);
          out.writeLong(h.pid());
          str(out, h.agentVersion());
        }
        case State s -> {
          out.writeByte(2);
          out.writeInt(s.fdCount());
          out.writeShort(s.uplinks().size());
          for (Uplink u : s.uplinks()) {
            str(out, u.network());
            str(out, u.vnl());
            out.writeByte(u.fds());
            out.writeInt(u.firstFd());
          }
          out.writeInt(s.taps().size());
          for (Tap t : s.taps()) {
            str(out, t.key().network());
            str(out, t.key().containerId());
            str(out, t.key().ifName());
            out.writeInt(t.fd());
          }
        }
        case Fds f -> {
          out.writeByte(3);
          out.writeInt(f.firstFd());
          out.writeShort(f.count());
        }
        case Taken t -> out.writeByte(4);
        case Released r -> out.writeByte(5);
        case Refused r -> {
          out.writeByte(6);
          str(out, r.reason());
        }
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e); // in-memory stream
    }
  }

  /**
   * Parses one record.
   *
   * @throws IOException when it is not a well-formed record of this version (the message says why)
   */
  static HandoverMessage decode(byte[] record) throws IOException {
    ByteBuffer in = ByteBuffer.wrap(record);
    try {
      if (in.getInt() != MAGIC) throw new IOException("hand-over: not a hand-over record");
      int version = in.getShort() & 0xffff;
      if (version != VERSION)
        throw new IOException("hand-over: version " + version + ", this agent speaks " + VERSION);
      int type = in.get() & 0xff;
      HandoverMessage m =
          switch (type) {
            case 1 -> new Hello(in.getLong(), str(in));
            case 2 -> state(in);
            case 3 -> new Fds(count(in.getInt()), in.getShort() & 0xffff);
            case 4 -> new Taken();
            case 5 -> new Released();
            case 6 -> new Refused(str(in));
            default -> throw new IOException("hand-over: unknown record type " + type);
          };
      if (in.hasRemaining())
        throw new IOException("hand-over: " + in.remaining() + " trailing bytes in type " + type);
      return m;
    } catch (BufferUnderflowException e) {
      throw new IOException("hand-over: truncated record");
    }
  }

  private static State state(ByteBuffer in) throws IOException {
    int fdCount = count(in.getInt());
    int n = in.getShort() & 0xffff;
    List<Uplink> uplinks = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String key = str(in);
      String vnl = str(in);
      int fds = in.get() & 0xff;
      int first = count(in.getInt());
      if (fds > 2 || (long) first + fds > fdCount)
        throw new IOException("hand-over: uplink " + key + " fds out of range");
      uplinks.add(new Uplink(key, vnl, fds, first));
    }
    int t = count(in.getInt());
    if (t > MAX_ITEMS) throw new IOException("hand-over: " + t + " taps");
    List<Tap> taps = new ArrayList<>();
    for (int i = 0; i < t; i++) {
      AttachmentKey key = new AttachmentKey(str(in), str(in), str(in));
      int fd = count(in.getInt());
      if (fd >= fdCount) throw new IOException("hand-over: tap " + key + " fd out of range");
      taps.add(new Tap(key, fd));
    }
    return new State(fdCount, uplinks, taps);
  }

  private static int count(int v) throws IOException {
    if (v < 0 || v > 1_000_000) throw new IOException("hand-over: count " + v + " out of range");
    return v;
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > MAX_STRING) throw new IllegalArgumentException("string of " + b.length + " B");
    out.writeShort(b.length);
    out.write(b);
  }

  private static String str(ByteBuffer in) throws IOException {
    int len = in.getShort() & 0xffff;
    if (len > MAX_STRING) throw new IOException("hand-over: string of " + len + " bytes");
    byte[] b = new byte[len];
    in.get(b);
    return new String(b, StandardCharsets.UTF_8);
  }
}
