package io.kubevde.vdeplug.stream;

import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * Writes frames in the vde byte-stream format (vde-protocols.md §2): a 2-byte big-endian length,
 * then the frame. Header and frame are assembled in one reused buffer and handed to the sink in one
 * write, as vdeplug4's single {@code writev}. Frames longer than {@link StreamDecoder#MAX_LENGTH}
 * (9236 bytes) cannot be represented by the C peers and are not sent: unlike vdeplug4 (which drops
 * them silently, §12.2) they are counted with {@link PlugStats#dropped()}. No allocation per frame.
 *
 * <p>Not thread-safe: callers serialise writes (a stream must not interleave two frames).
 */
public final class StreamEncoder {
  private final PlugStats stats;
  private final ByteBuffer buf;

  /**
   * @param stats counts sent frames ({@link PlugStats#sent}) and oversize ones ({@link
   *     PlugStats#dropped()})
   * @param direct whether the reused buffer is direct (better for {@link
   *     java.nio.channels.FileChannel}s); must be false to use {@link #write(ByteBuffer,
   *     OutputStream)}
   */
  public StreamEncoder(PlugStats stats, boolean direct) {
    this.stats = stats;
    int cap = StreamDecoder.MAX_LENGTH + 2;
    this.buf = direct ? ByteBuffer.allocateDirect(cap) : ByteBuffer.allocate(cap);
  }

  /**
   * Encodes the bytes between {@code frame}'s position and limit (advancing its position to the
   * limit).
   *
   * @return the encoder's reused buffer holding header+frame in read mode (valid until the next
   *     call), or null when the frame is longer than 9236 bytes (counted as dropped)
   */
  public ByteBuffer encode(ByteBuffer frame) {
    int n = frame.remaining();
    if (n > StreamDecoder.MAX_LENGTH) {
      frame.position(frame.limit());
      stats.dropped();
      return null;
    }
    buf.clear();
    buf.put((byte) (n >>> 8)).put((byte) n);
    buf.put(frame);
    buf.flip();
    return buf;
  }

  /**
   * Encodes and writes one frame to a blocking channel (looping until every byte is written).
   *
   * @return false when the frame was dropped as oversize
   * @throws IOException when the channel fails (e.g. the reader went away: EPIPE)
   */
  public boolean write(ByteBuffer frame, WritableByteChannel channel) throws IOException {
    int n = frame.remaining();
    ByteBuffer b = encode(frame);
    if (b == null) return false;
    while (b.hasRemaining()) channel.write(b);
    stats.sent(n);
    return true;
  }

  /**
   * Encodes and writes one frame to a stream with one {@code write(byte[],int,int)}, then flushes.
   *
   * @return false when the frame was dropped as oversize
   * @throws IOException when the stream fails
   * @throws IllegalStateException when this encoder was built with a direct buffer
   */
  public boolean write(ByteBuffer frame, OutputStream out) throws IOException {
    if (!buf.hasArray())
      throw new IllegalStateException("a direct StreamEncoder cannot write to an OutputStream");
    int n = frame.remaining();
    ByteBuffer b = encode(frame);
    if (b == null) return false;
    out.write(b.array(), b.arrayOffset(), b.limit());
    out.flush();
    stats.sent(n);
    return true;
  }
}
