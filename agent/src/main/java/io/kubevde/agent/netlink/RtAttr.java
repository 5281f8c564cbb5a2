package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One netlink attribute, {@code struct rtattr} / {@code struct nlattr} (linux/rtnetlink.h,
 * linux/netlink.h; RFC 3549 §2.3.2.1): {@code u16 rta_len} (header + value, unpadded), {@code u16
 * rta_type}, the value, then padding to a multiple of 4 ({@code RTA_ALIGN}).
 *
 * @param type the attribute type ({@code IFLA_*}, {@code IFA_*}, {@code RTA_*})
 * @param value the value bytes (host order for integers, network order for addresses)
 */
public record RtAttr(int type, byte[] value) {
  /** The attribute header size. */
  public static final int HEADER = 4;

  /** The type bits of {@code rta_type} (without NLA_F_NESTED, NLA_F_NET_BYTEORDER). */
  static final int TYPE_MASK = 0x3fff;

  /** A u32 attribute in host byte order. */
  public static RtAttr u32(int type, int v) {
    return new RtAttr(
        type, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array());
  }

  /** A NUL-terminated string attribute ({@code NLA_NUL_STRING}, e.g. IFLA_IFNAME). */
  public static RtAttr cString(int type, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    byte[] v = new byte[b.length + 1];
    System.arraycopy(b, 0, v, 0, b.length);
    return new RtAttr(type, v);
  }

  /** A string attribute without terminator ({@code NLA_STRING}, e.g. IFLA_IFALIAS). */
  public static RtAttr string(int type, String s) {
    return new RtAttr(type, s.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A nested attribute: the value is the encoded {@code inner} attributes (with their padding), the
   * type carries {@code NLA_F_NESTED} (0x8000).
   */
  public static RtAttr nested(int type, RtAttr... inner) {
    int len = 0;
    for (RtAttr a : inner) len += a.size();
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.nativeOrder());
    for (RtAttr a : inner) a.encode(b);
    return new RtAttr(type | 0x8000, b.array());
  }

  /** {@code RTA_ALIGN(n)}: {@code n} rounded up to a multiple of 4. */
  public static int align(int n) {
    return (n + 3) & ~3;
  }

  /** The encoded size including padding. */
  public int size() {
    return align(HEADER + value.length);
  }

  /** Writes the attribute and its padding at {@code buf}'s position, advancing it. */
  public void encode(ByteBuffer buf) {
    if (HEADER + value.length > 0xffff)
      throw new IllegalArgumentException("attribute " + type + " too long: " + value.length);
    int start = buf.position();
    buf.putShort((short) (HEADER + value.length)).putShort((short) type).put(value);
    while (buf.position() < start + size()) buf.put((byte) 0);
  }

  /**
   * Parses the attributes between absolute offsets {@code from} and {@code to} of {@code buf} (the
   * last of a type wins).
   *
   * @return type (without the nested / byte-order bits) to a slice holding the value (host order)
   * @throws IllegalArgumentException when an attribute's length is below 4 or runs past {@code to}
   */
  public static Map<Integer, ByteBuffer> parse(ByteBuffer buf, int from, int to) {
    Map<Integer, ByteBuffer> out = new HashMap<>();
    int at = from;
    while (to - at >= HEADER) {
      int len = Short.toUnsignedInt(buf.getShort(at));
      int type = Short.toUnsignedInt(buf.getShort(at + 2)) & TYPE_MASK;
      if (len < HEADER || len > to - at)
        throw new IllegalArgumentException(
            "bad rta_len " + len + " at " + at + " (end " + to + ")");
      out.put(type, buf.slice(at + HEADER, len - HEADER).order(ByteOrder.nativeOrder()));
      at += align(len);
    }
    return out;
  }

  /** A string value, up to its first NUL. */
  public static String text(ByteBuffer value) {
    byte[] b = new byte[value.remaining()];
    value.get(value.position(), b);
    int n = 0;
    while (n < b.length && b[n] != 0) n++;
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  /** The value's bytes. */
  public static byte[] bytes(ByteBuffer value) {
    byte[] b = new byte[value.remaining()];
    value.get(value.position(), b);
    return b;
  }
}
