package io.kubevde.agent.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One rtnetlink request: {@link NlMsgHdr}, the family header ({@link NlBody}), then attributes
 * ({@link RtAttr}), laid out as RFC 3549 §2.3.2 and {@code NLMSG_ALIGN} (4 bytes) say. Encoding is
 * pure: {@link #encode} gives the bytes to send.
 */
public final class NlRequest {
  private final int type;
  private final int flags;
  private final NlBody body;
  private final List<RtAttr> attrs = new ArrayList<>();

  /**
   * @param type the message type ({@code RTM_*})
   * @param flags {@code NLM_F_*}; {@link Rtnl#NLM_F_REQUEST} is always added
   * @param body the family header
   */
  public NlRequest(int type, int flags, NlBody body) {
    this.type = type;
    this.flags = flags | Rtnl.NLM_F_REQUEST;
    this.body = body;
  }

  /** Appends an attribute. */
  public NlRequest add(RtAttr attr) {
    attrs.add(attr);
    return this;
  }

  /** The message type. */
  public int type() {
    return type;
  }

  /** The flags, {@link Rtnl#NLM_F_REQUEST} included. */
  public int flags() {
    return flags;
  }

  /** The encoded length in bytes. */
  public int length() {
    int n = NlMsgHdr.SIZE + body.size();
    for (RtAttr a : attrs) n += a.size();
    return n;
  }

  /**
   * The message with sequence number {@code seq}, in a new direct buffer (host byte order) from
   * position 0 to its length.
   */
  public ByteBuffer encode(int seq) {
    return encode(seq, 0);
  }

  /** As {@link #encode(int)}, with {@code extraFlags} ({@link Rtnl#NLM_F_ACK}, …) added. */
  public ByteBuffer encode(int seq, int extraFlags) {
    int len = length();
    ByteBuffer buf = ByteBuffer.allocateDirect(len).order(ByteOrder.nativeOrder());
    new NlMsgHdr(len, type, flags | extraFlags, seq, 0).encode(buf);
    body.encode(buf);
    for (RtAttr a : attrs) a.encode(buf);
    return buf.flip();
  }
}
