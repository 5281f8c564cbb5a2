package io.kubevde.vdeplug.stream;

import io.kubevde.vdeplug.PlugStats;
import java.nio.ByteBuffer;

/**
 * Parses the vde byte stream (vde-protocols.md §2): each frame is a 2-byte big-endian length N
 * followed by N bytes. Input arrives in arbitrary chunks (pipe reads); the decoder keeps a partial
 * header (one byte) and a partial body across chunks, so a header or body split at any position is
 * reassembled (vdeplug4 loses a split header, §12.1).
 *
 * <p>Rules:
 *
 * <ul>
 *   <li>N = 0 is a keep-alive: skipped, counted in {@link #keepAlives()}.
 *   <li>1 ≤ N ≤ {@link #MAX_LENGTH} (9236 bytes, {@code VDE_ETHBUFSIZE+2}) is a frame and is
 *       delivered, even when shorter than 14 bytes (vdeplug4 does the same; the plug on the other
 *       side drops it).
 *   <li>N &gt; 9236 is malformed: {@link PlugStats#malformed()} is counted once and the decoder
 *       <b>resynchronises</b>: it slides one byte at a time (the low byte of the bad header becomes
 *       the high byte of the next candidate) and accepts the first candidate length in 14..9236 as
 *       the next frame header. While resynchronising, a zero "keep-alive" or a length below 14 is
 *       not trusted and is slid over as well. Every byte slid over is counted in {@link
 *       #discardedBytes()}. Unlike vdeplug4 (which drops the rest of the read chunk and restarts at
 *       the next chunk, wherever that falls), this does not depend on how the kernel chunked the
 *       pipe.
 *   <li>A frame larger than the caller's output buffer is skipped and counted with {@link
 *       PlugStats#dropped()}.
 * </ul>
 *
 * No input can make the decoder throw, and it never allocates after construction: a frame contained
 * in one chunk is copied straight to the output buffer, a split frame goes through one internal
 * 9236-byte array.
 *
 * <p>Not thread-safe: one reader thread per decoder.
 */
public final class StreamDecoder {
  /**
   * The largest accepted frame length N in bytes (vdeplug4's {@code VDE_ETHBUFSIZE + 2} = 9236).
   */
  public static final int MAX_LENGTH = 9236;

  /**
   * Smallest length trusted as a frame header while resynchronising (14 bytes: an Ethernet header).
   */
  public static final int RESYNC_MIN_LENGTH = 14;

  /** {@link #next} result: the input chunk is used up and no complete frame is available yet. */
  public static final int NEED_MORE = -1;

  private final PlugStats stats;
  private final byte[] body = new byte[MAX_LENGTH];
  private int highByte = -1; // first header byte already read, or -1
  private int length = -1; // length of the frame being read, or -1 while reading a header
  private int have; // body bytes of the current frame held in `body`
  private boolean resync; // sliding over garbage after an oversize length
  private long keepAlives;
  private long discarded;
  private long frames;

  /**
   * @param stats where malformed headers ({@link PlugStats#malformed()}) and undeliverable frames
   *     ({@link PlugStats#dropped()}) are counted
   */
  public StreamDecoder(PlugStats stats) {
    this.stats = stats;
  }

  /**
   * Consumes bytes of {@code in} (from its position, advancing it) until one whole frame is
   * decoded, which is then copied into {@code out} at its position (advancing it).
   *
   * @param in the next chunk of stream bytes, in read mode
   * @param out receives the frame; needs at least the frame's length remaining (use {@link
   *     #MAX_LENGTH} bytes)
   * @return the frame length in bytes (1..9236), or {@link #NEED_MORE} when {@code in} has no bytes
   *     left and the state so far (partial header or body) is kept for the next chunk
   */
  public int next(ByteBuffer in, ByteBuffer out) {
    while (true) {
      if (length < 0) {
        if (!in.hasRemaining()) return NEED_MORE;
        int b = in.get() & 0xff;
        if (highByte < 0) {
          highByte = b;
          continue;
        }
        header((highByte << 8) | b);
        continue;
      }
      int need = length - have;
      if (have == 0 && in.remaining() >= length) {
        int n = length;
        length = -1;
        if (out.remaining() < n) {
          in.position(in.position() + n);
          stats.dropped();
          continue;
        }
        out.put(out.position(), in, in.position(), n);
        out.position(out.position() + n);
        in.position(in.position() + n);
        frames++;
        return n;
      }
      int take = Math.min(need, in.remaining());
      if (take == 0) return NEED_MORE;
      in.get(body, have, take);
      have += take;
      if (have < length) return NEED_MORE;
      int n = length;
      length = -1;
      have = 0;
      if (out.remaining() < n) {
        stats.dropped();
        continue;
      }
      out.put(body, 0, n);
      frames++;
      return n;
    }
  }

  private void header(int n) {
    highByte = -1;
    if (resync) {
      if (n >= RESYNC_MIN_LENGTH && n <= MAX_LENGTH) {
        resync = false;
        startBody(n);
      } else {
        slide(n);
      }
      return;
    }
    if (n == 0) {
      keepAlives++;
    } else if (n > MAX_LENGTH) {
      stats.malformed();
      resync = true;
      slide(n);
    } else {
      startBody(n);
    }
  }

  private void slide(int n) {
    highByte = n & 0xff;
    discarded++;
  }

  private void startBody(int n) {
    length = n;
    have = 0;
  }

  /** Whether a partial header or body is held (the stream is between frames when false). */
  public boolean midFrame() {
    return highByte >= 0 || length >= 0;
  }

  /** Whether the decoder is sliding over garbage after an oversize length. */
  public boolean resynchronising() {
    return resync;
  }

  /** Zero-length keep-alives skipped. */
  public long keepAlives() {
    return keepAlives;
  }

  /** Bytes skipped while resynchronising after oversize lengths. */
  public long discardedBytes() {
    return discarded;
  }

  /** Frames decoded and delivered. */
  public long frames() {
    return frames;
  }
}
