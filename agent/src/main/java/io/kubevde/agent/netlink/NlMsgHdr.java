package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;

/**
 * {@code struct nlmsghdr} (linux/netlink.h; RFC 3549 §2.3.2), 16 bytes in host byte order: {@code
 * u32 nlmsg_len} (whole message, header included), {@code u16 nlmsg_type}, {@code u16 nlmsg_flags},
 * {@code u32 nlmsg_seq}, {@code u32 nlmsg_pid} (0 towards the kernel).
 *
 * @param length the message length in bytes, header included
 * @param type the message type ({@code RTM_*}, {@link Rtnl#NLMSG_ERROR}, {@link Rtnl#NLMSG_DONE})
 * @param flags {@code NLM_F_*}
 * @param seq the sequence number the answer echoes
 * @param pid the sender's port id
 */
public record NlMsgHdr(int length, int type, int flags, int seq, int pid) {
  /** The encoded size. */
  public static final int SIZE = 16;

  /** Writes the header at {@code buf}'s position, advancing it. */
  public void encode(ByteBuffer buf) {
    buf.putInt(length).putShort((short) type).putShort((short) flags).putInt(seq).putInt(pid);
  }

  /**
   * Reads a header at absolute offset {@code at} of {@code buf} (host byte order).
   *
   * @throws IllegalArgumentException when fewer than 16 bytes remain or the length field is shorter
   *     than a header or longer than what remains
   */
  public static NlMsgHdr decode(ByteBuffer buf, int at) {
    if (buf.limit() - at < SIZE)
      throw new IllegalArgumentException("truncated nlmsghdr at " + at + " of " + buf.limit());
    NlMsgHdr h =
        new NlMsgHdr(
            buf.getInt(at),
            Short.toUnsignedInt(buf.getShort(at + 4)),
            Short.toUnsignedInt(buf.getShort(at + 6)),
            buf.getInt(at + 8),
            buf.getInt(at + 12));
    if (h.length < SIZE || h.length > buf.limit() - at)
      throw new IllegalArgumentException(
          "bad nlmsg_len " + h.length + " at " + at + " of " + buf.limit());
    return h;
  }
}
