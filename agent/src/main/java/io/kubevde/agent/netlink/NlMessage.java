package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One message of a netlink answer: its header and its payload (the bytes after the 16-byte header,
 * host byte order). Decoding is pure and strict: a received datagram is split with {@link #split};
 * lengths that run past the datagram are refused.
 *
 * @param header the nlmsghdr
 * @param payload the payload, position 0 to its length
 */
public record NlMessage(NlMsgHdr header, ByteBuffer payload) {
  /**
   * Splits a datagram (position 0 to limit) into its messages ({@code NLMSG_NEXT}: each starts at
   * the previous one's aligned end).
   *
   * @throws IllegalArgumentException on a truncated or inconsistent message
   */
  public static List<NlMessage> split(ByteBuffer datagram) {
    ByteBuffer buf = datagram.duplicate().order(ByteOrder.nativeOrder());
    List<NlMessage> out = new ArrayList<>();
    int at = 0;
    while (buf.limit() - at >= NlMsgHdr.SIZE) {
      NlMsgHdr h = NlMsgHdr.decode(buf, at);
      out.add(
          new NlMessage(
              h,
              buf.slice(at + NlMsgHdr.SIZE, h.length() - NlMsgHdr.SIZE)
                  .order(ByteOrder.nativeOrder())));
      at += RtAttr.align(h.length());
    }
    return out;
  }

  /**
   * For {@link Rtnl#NLMSG_ERROR} and {@link Rtnl#NLMSG_DONE}: the positive errno of {@code struct
   * nlmsgerr.error} (or of DONE's int), 0 for an ack.
   */
  public int errno() {
    if (payload.limit() < 4) return 0;
    return -payload.getInt(0);
  }

  /**
   * For an {@link Rtnl#NLMSG_ERROR} with {@link Rtnl#NLM_F_ACK_TLVS}: the kernel's extended-ack
   * message ({@link Rtnl#NLMSGERR_ATTR_MSG}), or null. The attributes follow the error int and the
   * echoed request (its header only when {@link Rtnl#NLM_F_CAPPED}).
   */
  public String extAck() {
    if ((header.flags() & Rtnl.NLM_F_ACK_TLVS) == 0 || payload.limit() < 4 + NlMsgHdr.SIZE)
      return null;
    int echoed = (header.flags() & Rtnl.NLM_F_CAPPED) != 0 ? NlMsgHdr.SIZE : payload.getInt(4);
    int at = 4 + RtAttr.align(echoed);
    if (echoed < NlMsgHdr.SIZE || at > payload.limit()) return null;
    Map<Integer, ByteBuffer> tlv = RtAttr.parse(payload, at, payload.limit());
    ByteBuffer msg = tlv.get(Rtnl.NLMSGERR_ATTR_MSG);
    return msg == null ? null : RtAttr.text(msg);
  }
}
