package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct ifinfomsg} (linux/rtnetlink.h; RFC 3549 §2.3.3.1), 16 bytes: {@code u8 ifi_family},
 * a pad byte, {@code u16 ifi_type} (ARPHRD_*), {@code s32 ifi_index}, {@code u32 ifi_flags}
 * (IFF_*), {@code u32 ifi_change} (which flags a request changes).
 *
 * @param family address family ({@link Rtnl#AF_UNSPEC} for links)
 * @param type the device type (ARPHRD_ETHER = 1 for a tap); 0 in requests
 * @param index the interface index; 0 to look a link up by {@link Rtnl#IFLA_IFNAME}
 * @param flags the interface flags
 * @param change the mask of flags to change (requests)
 */
public record IfInfoMsg(int family, int type, int index, int flags, int change) implements NlBody {
  /** The encoded size. */
  public static final int SIZE = 16;

  /** A request header naming link {@code index} (0: by name), changing no flag. */
  public static IfInfoMsg of(int index) {
    return new IfInfoMsg(Rtnl.AF_UNSPEC, 0, index, 0, 0);
  }

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public void encode(ByteBuffer buf) {
    buf.put((byte) family).put((byte) 0).putShort((short) type);
    buf.putInt(index).putInt(flags).putInt(change);
  }

  /** Reads the header at absolute offset {@code at}. */
  public static IfInfoMsg decode(ByteBuffer buf, int at) {
    return new IfInfoMsg(
        Byte.toUnsignedInt(buf.get(at)),
        Short.toUnsignedInt(buf.getShort(at + 2)),
        buf.getInt(at + 4),
        buf.getInt(at + 8),
        buf.getInt(at + 12));
  }
}
