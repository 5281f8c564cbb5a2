package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct ifaddrmsg} (linux/if_addr.h; RFC 3549 §2.3.3.2), 8 bytes: {@code u8 ifa_family},
 * {@code u8 ifa_prefixlen}, {@code u8 ifa_flags} (IFA_F_*; more in {@link Rtnl#IFA_FLAGS}), {@code
 * u8 ifa_scope}, {@code u32 ifa_index}.
 *
 * @param family {@link Rtnl#AF_INET} or {@link Rtnl#AF_INET6} ({@link Rtnl#AF_UNSPEC} in dumps)
 * @param prefixLen the prefix length (bits)
 * @param flags the low 8 address flags
 * @param scope the address scope (0 = universe)
 * @param index the interface index
 */
public record IfAddrMsg(int family, int prefixLen, int flags, int scope, int index)
    implements NlBody {
  /** The encoded size. */
  public static final int SIZE = 8;

  @Override
  public int size() {
    return SIZE;
  }

  @Override
  public void encode(ByteBuffer buf) {
    buf.put((byte) family).put((byte) prefixLen).put((byte) flags).put((byte) scope);
    buf.putInt(index);
  }

  /** Reads the header at absolute offset {@code at}. */
  public static IfAddrMsg decode(ByteBuffer buf, int at) {
    return new IfAddrMsg(
        Byte.toUnsignedInt(buf.get(at)),
        Byte.toUnsignedInt(buf.get(at + 1)),
        Byte.toUnsignedInt(buf.get(at + 2)),
        Byte.toUnsignedInt(buf.get(at + 3)),
        buf.getInt(at + 4));
  }
}
