package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.PlugStats;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A snapshot of one vxvde plug's counters ({@link VxvdePlug#vxvdeStats()}), all counts since the
 * plug was opened. The first six are the plug's {@link PlugStats}; the others say why received
 * datagrams were not delivered. Each received datagram is counted under at most one reason, checked
 * in this order: sender ({@code notAPeer} or {@code senderNotAllowed}, before anything is parsed),
 * {@code badHeader}, {@code wrongVni}, goodbye, {@code badLength}, {@code selfEcho}, receiver
 * buffer ({@code dropped}).
 *
 * @param rxFrames frames received and delivered
 * @param rxBytes bytes of those frames
 * @param txFrames frames sent
 * @param txBytes bytes of those frames
 * @param malformed {@code badHeader + wrongVni + badLength} ({@link PlugStats#malformedCount()})
 * @param dropped frames dropped on send (bad length, send error) or receive (no room in the
 *     caller's buffer) ({@link PlugStats#droppedCount()})
 * @param notAPeer unicast mode: datagrams whose source IP and port is not a configured peer
 * @param senderNotAllowed datagrams whose source IP is outside every {@code allow=} prefix
 * @param badHeader datagrams shorter than the 8-byte header, or whose header is not ours apart from
 *     the VNI (flags not 0x08, reserved bytes not 0)
 * @param wrongVni datagrams with a well-formed header carrying another VNI
 * @param badLength datagrams with our header and a frame shorter than 14 or longer than the maximum
 * @param selfEcho our own multicast looped back to the group socket (dropped, not an error)
 * @param goodbyes 8-byte goodbye datagrams accepted (the sender's table entries forgotten)
 * @param sendCalls system calls that sent datagrams ({@code sendto}/{@code sendmsg}/{@code
 *     sendmmsg}); {@code txFrames / sendCalls} is the mean batch a pump achieved (issue 14: one per
 *     frame without batching, up to 32 with it)
 */
public record VxvdeStats(
    long rxFrames,
    long rxBytes,
    long txFrames,
    long txBytes,
    long malformed,
    long dropped,
    long notAPeer,
    long senderNotAllowed,
    long badHeader,
    long wrongVni,
    long badLength,
    long selfEcho,
    long goodbyes,
    long sendCalls) {

  /** Label of {@link #notAPeer} in {@link #dropsByReason()}. */
  public static final String NOT_A_PEER = "not-a-peer";

  /** Label of {@link #senderNotAllowed}. */
  public static final String SENDER_NOT_ALLOWED = "sender-not-allowed";

  /** Label of {@link #badHeader}. */
  public static final String BAD_HEADER = "bad-header";

  /** Label of {@link #wrongVni}. */
  public static final String WRONG_VNI = "wrong-vni";

  /** Label of {@link #badLength}. */
  public static final String BAD_LENGTH = "bad-length";

  /** Label of {@link #selfEcho}. */
  public static final String SELF_ECHO = "self-echo";

  /**
   * Received datagrams not delivered, by reason label ({@code not-a-peer}, {@code
   * sender-not-allowed}, {@code bad-header}, {@code wrong-vni}, {@code bad-length}, {@code
   * self-echo}), always all six keys in this order: ready for a Prometheus counter with a {@code
   * reason} label.
   */
  public Map<String, Long> dropsByReason() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put(NOT_A_PEER, notAPeer);
    m.put(SENDER_NOT_ALLOWED, senderNotAllowed);
    m.put(BAD_HEADER, badHeader);
    m.put(WRONG_VNI, wrongVni);
    m.put(BAD_LENGTH, badLength);
    m.put(SELF_ECHO, selfEcho);
    return m;
  }
}
