package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct rtmsg} (linux/rtnetlink.h; RFC 3549 §2.3.3.3), 12 bytes: {@code u8 rtm_family},
 * {@code u8 rtm_dst_len}, {@code u8 rtm_src_len}, {@code u8 rtm_tos}, {@code u8 rtm_table}, {@code
 * u8 rtm_protocol}, {@code u8 rtm_scope}, {@code u8 rtm_type}, {@code u32 rtm_flags}.
 *
 * @param family {@link Rtnl#AF_INET} or {@link Rtnl#AF_INET6}
 * @param dstLen destination prefix length (bits; 0 = default route)
 * @param srcLen source prefix length
 * @param tos type of service
 * @param table routing table ({@link Rtnl#RT_TABLE_MAIN})
 * @param protocol who installed it ({@link Rtnl#RTPROT_BOOT})
 * @param scope {@link Rtnl#RT_SCOPE_UNIVERSE} or {@link Rtnl#RT_SCOPE_LINK}
 * @param type {@link Rtnl#RTN_UNICAST}
 * @param flags {@code RTM_F_*}
 */
public record RtMsg(
    int family,
    int dstLen,
    int srcLen,
    int tos,
    int table,
    int protocol,
    int scope,
    int type,
    int flags)
    implements NlBody {
  /** The encoded size. */
  public static final int SIZE = 12;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public void encode(ByteBuffer buf) {
    buf.put((byte) family).put((byte) dstLen).put((byte) srcLen).put((byte) tos);
    buf.put((byte) table).put((byte) protocol).put((byte) scope).put((byte) type);
    buf.putInt(flags);
  }

  /** Reads the header at absolute offset {@code at}. */
  public static RtMsg decode(ByteBuffer buf, int at) {
    return new RtMsg(
        Byte.toUnsignedInt(buf.get(at)),
        Byte.toUnsignedInt(buf.get(at + 1)),
        Byte.toUnsignedInt(buf.get(at + 2)),
        Byte.toUnsignedInt(buf.get(at + 3)),
        Byte.toUnsignedInt(buf.get(at + 4)),
        Byte.toUnsignedInt(buf.get(at + 5)),
        Byte.toUnsignedInt(buf.get(at + 6)),
        Byte.toUnsignedInt(buf.get(at + 7)),
        buf.getInt(at + 8));
  }
}
