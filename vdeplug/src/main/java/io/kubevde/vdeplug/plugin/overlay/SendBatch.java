package io.kubevde.vdeplug.plugin.overlay;

import com.kenai.jffi.MemoryIO;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.ffi.LibC;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frames waiting to leave a {@link UdpSocket} together (batched I/O, issue 14): each queued frame
 * is copied behind a fixed 8-byte overlay header (vxvde, vde-protocols.md §4.4: the datagram on the
 * wire is exactly what one {@code sendto} per frame would send), and {@link #flush} sends them all
 * with {@code sendmmsg(2)}, one {@code struct mmsghdr} per datagram and destination.
 *
 * <p>With {@code gso} (the {@code offload} option), consecutive frames to the same destination with
 * equal lengths (the last may be shorter; at most {@value UdpSocket#MAX_SEGMENTS} and {@value
 * UdpSocket#MAX_GSO_BYTES} bytes) leave as one message with a {@code UDP_SEGMENT} control message
 * (offloads.md §3), which the kernel cuts into the same datagrams: one trip through the UDP/IP
 * stack for the run. A run refused with {@code EIO} (a device that cannot segment) turns GSO off
 * for good; with {@code EINVAL} (e.g. a datagram above the path MTU) that run is sent datagram by
 * datagram.
 *
 * <p>Layout (no allocation per frame): one direct buffer holds the datagrams back to back (header,
 * frame), so a run is one contiguous iovec; destinations are kept as references, encoded into the
 * per-message {@code sockaddr} from a small cache (a miss encodes once and allocates the address
 * bytes). A destination of {@code null} means the flood targets given at construction (the group,
 * or every unicast peer: one message each).
 *
 * <p>Failures: a datagram the kernel refuses (no route, unreachable) is counted as a drop in the
 * plug's {@link PlugStats}, once per destination, as the single-frame path does. Sends block while
 * the socket buffer is full. Not thread-safe: the plug calls it under its send lock.
 */
public final class SendBatch {
  private static final Logger LOG = LoggerFactory.getLogger(SendBatch.class);
  private static final LibC C = LibC.INSTANCE;

  /** Most frames kept before the batch sends itself. */
  public static final int FRAMES = 32;

  /** Bytes of the overlay header in front of each frame. */
  public static final int HEADER = 8;

  private static final int MESSAGES = 64;
  private static final int MMSGHDR = 64;
  private static final int IOVEC = 16;
  private static final int SOCKADDR = 32;
  private static final int CONTROL = 24;
  private static final int CACHE = 16;
  private static final int CAPACITY = 65536 + HEADER + Plug.MAX_FRAME;

  private final UdpSocket socket;
  private final long header;
  private final InetSocketAddress[] flood;
  private final PlugStats stats;
  private final LongAdder calls;
  private final boolean floodSegments;
  private boolean gso;

  private final ByteBuffer data = ByteBuffer.allocateDirect(CAPACITY);
  private final long dataAddr;
  private final int[] offset = new int[FRAMES];
  private final int[] length = new int[FRAMES];
  private final InetSocketAddress[] dest = new InetSocketAddress[FRAMES];
  private int count;
  private int used;

  private final ByteBuffer msgs =
      ByteBuffer.allocateDirect(MESSAGES * MMSGHDR).order(ByteOrder.nativeOrder());
  private final ByteBuffer iovs =
      ByteBuffer.allocateDirect(MESSAGES * IOVEC).order(ByteOrder.nativeOrder());
  private final ByteBuffer names =
      ByteBuffer.allocateDirect(MESSAGES * SOCKADDR).order(ByteOrder.nativeOrder());
  private final ByteBuffer controls =
      ByteBuffer.allocateDirect(MESSAGES * CONTROL).order(ByteOrder.nativeOrder());
  private final InetSocketAddress[] msgTarget = new InetSocketAddress[MESSAGES];
  private final int[] msgOffset = new int[MESSAGES];
  private final int[] msgBytes = new int[MESSAGES];
  private final int[] msgSegment = new int[MESSAGES];
  private final int[] msgDatagrams = new int[MESSAGES];
  private int messages;

  private final ByteBuffer cacheNames =
      ByteBuffer.allocateDirect(CACHE * SOCKADDR).order(ByteOrder.nativeOrder());
  private final InetSocketAddress[] cacheKey = new InetSocketAddress[CACHE];
  private final int[] cacheLen = new int[CACHE];
  private int cacheNext;

  /**
   * A batch for {@code socket}.
   *
   * @param header the 8 header bytes of every datagram, as a big-endian long
   * @param flood where a frame with a {@code null} destination goes (one datagram each)
   * @param stats where refused datagrams are counted as drops
   * @param calls counts the send system calls made
   * @param gso whether runs of equal-sized datagrams to one destination use {@code UDP_SEGMENT}
   *     (never toward a multicast flood target: the looped-back copy would be a GSO packet too)
   */
  public SendBatch(
      UdpSocket socket,
      long header,
      InetSocketAddress[] flood,
      PlugStats stats,
      LongAdder calls,
      boolean gso) {
    this.socket = socket;
    this.header = header;
    this.flood = flood.clone();
    this.stats = stats;
    this.calls = calls;
    this.gso = gso;
    boolean multicast = false;
    for (InetSocketAddress t : flood) multicast |= t.getAddress().isMulticastAddress();
    this.floodSegments = !multicast;
    MemoryIO io = MemoryIO.getInstance();
    this.dataAddr = io.getDirectBufferAddress(data);
    long iovAddr = io.getDirectBufferAddress(iovs);
    long nameAddr = io.getDirectBufferAddress(names);
    long ctlAddr = io.getDirectBufferAddress(controls);
    for (int m = 0; m < MESSAGES; m++) {
      int h = m * MMSGHDR;
      msgs.putLong(h, nameAddr + (long) m * SOCKADDR);
      msgs.putLong(h + 16, iovAddr + (long) m * IOVEC).putLong(h + 24, 1);
      msgs.putLong(h + 32, ctlAddr + (long) m * CONTROL);
      controls.putLong(m * CONTROL, 18); // cmsg_len = CMSG_LEN(sizeof(uint16_t))
      controls.putInt(m * CONTROL + 8, LibC.SOL_UDP).putInt(m * CONTROL + 12, LibC.UDP_SEGMENT);
    }
  }

  /** Frames queued and not yet sent. */
  public int pending() {
    return count;
  }

  /** Whether runs still go out with {@code UDP_SEGMENT} (false without offload or after EIO). */
  public boolean segmenting() {
    return gso;
  }

  /**
   * Queues a copy of {@code frame}'s bytes between position and limit (at most {@link
   * Plug#MAX_FRAME}; the position is not moved) for {@code to}, or for the flood targets when
   * {@code to} is null. A full batch is sent first.
   */
  public void add(ByteBuffer frame, InetSocketAddress to) {
    int len = frame.remaining();
    if (count == FRAMES || used + HEADER + len > CAPACITY) flush();
    int off = used;
    data.putLong(off, header);
    data.put(off + HEADER, frame, frame.position(), len);
    offset[count] = off;
    length[count] = HEADER + len;
    dest[count] = to;
    count++;
    used = off + HEADER + len;
  }

  /** Sends every queued frame (one {@code sendmmsg} per {@value #MESSAGES} messages). */
  public void flush() {
    int i = 0;
    while (i < count) {
      InetSocketAddress to = dest[i];
      int seg = length[i];
      int bytes = seg;
      int j = i + 1;
      if (gso && (to != null || floodSegments)) {
        while (j < count
            && j - i < UdpSocket.MAX_SEGMENTS
            && dest[j] == to
            && length[j] <= seg
            && bytes + length[j] <= UdpSocket.MAX_GSO_BYTES) {
          bytes += length[j];
          j++;
          if (length[j - 1] < seg) break; // a shorter datagram ends a run
        }
      }
      int n = j - i;
      if (to != null) {
        message(to, offset[i], bytes, n > 1 ? seg : 0, n);
      } else {
        for (InetSocketAddress t : flood) message(t, offset[i], bytes, n > 1 ? seg : 0, n);
      }
      i = j;
    }
    transmit();
    for (int k = 0; k < count; k++) dest[k] = null;
    count = 0;
    used = 0;
  }

  private void message(InetSocketAddress to, int off, int bytes, int segment, int datagrams) {
    if (messages == MESSAGES) transmit();
    int m = messages++;
    int h = m * MMSGHDR;
    int nameLen = name(to, m);
    msgs.putInt(h + 8, nameLen);
    iovs.putLong(m * IOVEC, dataAddr + off).putLong(m * IOVEC + 8, bytes);
    if (segment > 0) {
      controls.putShort(m * CONTROL + 16, (short) segment);
      msgs.putLong(h + 40, CONTROL);
    } else {
      msgs.putLong(h + 40, 0);
    }
    msgs.putInt(h + 48, 0).putInt(h + 56, 0);
    msgTarget[m] = to;
    msgOffset[m] = off;
    msgBytes[m] = bytes;
    msgSegment[m] = segment;
    msgDatagrams[m] = datagrams;
  }

  /** Copies {@code to}'s sockaddr into message {@code m}'s name; returns its length. */
  private int name(InetSocketAddress to, int m) {
    int k = -1;
    for (int c = 0; c < CACHE; c++) {
      if (cacheKey[c] == to) {
        k = c;
        break;
      }
    }
    if (k < 0) {
      k = cacheNext;
      cacheNext = (cacheNext + 1) % CACHE;
      cacheLen[k] = socket.encodeAddress(to, cacheNames, k * SOCKADDR);
      cacheKey[k] = to;
    }
    for (int b = 0; b < SOCKADDR; b += 8)
      names.putLong(m * SOCKADDR + b, cacheNames.getLong(k * SOCKADDR + b));
    return cacheLen[k];
  }

  private void transmit() {
    int next = 0;
    while (next < messages) {
      msgs.position(next * MMSGHDR);
      int n = C.sendmmsg(socket.fd(), msgs, messages - next, 0);
      calls.increment();
      if (n > 0) {
        next += n;
        continue;
      }
      int e = n < 0 ? LibC.errno() : LibC.EIO;
      if (e == LibC.EINTR) continue;
      if (msgSegment[next] > 0 && (e == LibC.EIO || e == LibC.EINVAL)) {
        if (e == LibC.EIO && gso) {
          gso = false;
          LOG.info("UDP_SEGMENT refused (EIO): sending batches without it from now on");
        }
        sendOneByOne(next);
      } else {
        for (int d = 0; d < msgDatagrams[next]; d++) stats.dropped();
        if (LOG.isDebugEnabled())
          LOG.debug("send to " + msgTarget[next] + ": " + LibC.message(e) + " (errno " + e + ")");
      }
      next++;
    }
    msgs.position(0);
    for (int m = 0; m < messages; m++) msgTarget[m] = null;
    messages = 0;
  }

  private void sendOneByOne(int m) {
    int seg = msgSegment[m];
    int end = msgOffset[m] + msgBytes[m];
    for (int off = msgOffset[m]; off < end; off += seg) {
      long r = socket.sendTo(data, off, Math.min(seg, end - off), msgTarget[m]);
      calls.increment();
      if (r < 0) stats.dropped();
    }
  }
}
