package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;

/**
 * The fixed family header that follows {@link NlMsgHdr} in an rtnetlink message (RFC 3549 §2.3.3:
 * ifinfomsg for links, ifaddrmsg for addresses, rtmsg for routes); attributes follow it.
 */
public sealed interface NlBody permits IfInfoMsg, IfAddrMsg, RtMsg {
  /** The encoded size in bytes (a multiple of 4). */
  int size();

  /**
   * Writes the header at {@code buf}'s position (host byte order), advancing it by {@link #size}.
   */
  void encode(ByteBuffer buf);
}
