package io.kubevde.vdeplug.plugin.pcap;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumSet;
import java.util.Set;

/**
 * Writes Ethernet frames to a pcapng file (IETF draft-ietf-opsawg-pcapng, the format tcpdump and
 * Wireshark read): one Section Header Block, one Interface Description Block (LINKTYPE_ETHERNET =
 * 1, {@code if_tsresol} 9: nanosecond timestamps), then one Enhanced Packet Block per frame with an
 * {@code epb_flags} option giving the direction (inbound = received from the wrapped plug, outbound
 * = sent to it). Blocks are in the host's byte order, as the format allows (the SHB's byte-order
 * magic tells readers).
 *
 * <p>Each block is written with one {@code write} call, so a reader of the growing file sees whole
 * blocks. Thread-safe: frames from a sender and a receiver thread are serialised.
 */
public final class PcapngWriter implements Closeable {
  /** Direction of a frame, as {@code epb_flags} bits 0-1 encode it. */
  public enum Direction {
    /** Bits 01: received (from the network side of the capture point). */
    INBOUND(1),
    /** Bits 10: sent. */
    OUTBOUND(2);

    final int bits;

    Direction(int bits) {
      this.bits = bits;
    }
  }

  static final int SHB = 0x0A0D0D0A;
  static final int IDB = 0x00000001;
  static final int EPB = 0x00000006;
  static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
  static final int LINKTYPE_ETHERNET = 1;
  private static final short OPT_ENDOFOPT = 0;
  private static final short IF_TSRESOL = 9;
  private static final short EPB_FLAGS = 2;

  private final WritableByteChannel channel;
  private final int snaplen;
  private final ByteBuffer block;
  private long frames;

  private PcapngWriter(WritableByteChannel channel, int snaplen) {
    this.channel = channel;
    this.snaplen = snaplen;
    this.block = ByteBuffer.allocate(28 + align4(snaplen) + 12 + 4).order(ByteOrder.nativeOrder());
  }

  /**
   * Creates (or truncates, unless {@code append}) {@code file} with mode 0600 semantics of the
   * process umask and writes the section and interface headers.
   *
   * @param snaplen bytes kept per frame (the rest is cut, the original length is recorded)
   * @throws IOException when the file cannot be opened or written
   */
  public static PcapngWriter open(Path file, int snaplen, boolean append) throws IOException {
    Set<StandardOpenOption> opts =
        append
            ? EnumSet.of(
                StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
            : EnumSet.of(
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
    FileChannel ch = FileChannel.open(file, opts);
    try {
      PcapngWriter w = new PcapngWriter(ch, snaplen);
      w.writeHeaders();
      return w;
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  /**
   * A capture written as a stream to {@code channel} (a socket, a pipe, stdout): the section and
   * interface headers now, then one Enhanced Packet Block per {@link #write}. Closing the writer
   * closes the channel.
   *
   * @param snaplen bytes kept per frame, 1..{@value io.kubevde.vdeplug.Plug#MAX_FRAME} or more
   * @throws IOException when the headers cannot be written
   */
  public static PcapngWriter to(WritableByteChannel channel, int snaplen) throws IOException {
    if (snaplen < 1) throw new IllegalArgumentException("snaplen must be positive: " + snaplen);
    PcapngWriter w = new PcapngWriter(channel, snaplen);
    w.writeHeaders();
    return w;
  }

  private void writeHeaders() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(64).order(ByteOrder.nativeOrder());
    // Section Header Block: type, length, magic, version 1.0, section length -1 (unknown), no
    // options.
    b.putInt(SHB).putInt(28).putInt(BYTE_ORDER_MAGIC).putShort((short) 1).putShort((short) 0);
    b.putLong(-1L).putInt(28);
    // Interface Description Block: linktype, reserved, snaplen, if_tsresol=9 (ns), end of options.
    int idbLen = 20 + 8 + 4;
    b.putInt(IDB).putInt(idbLen).putShort((short) LINKTYPE_ETHERNET).putShort((short) 0);
    b.putInt(snaplen);
    b.putShort(IF_TSRESOL).putShort((short) 1).put((byte) 9).put((byte) 0).putShort((short) 0);
    b.putShort(OPT_ENDOFOPT).putShort((short) 0);
    b.putInt(idbLen);
    b.flip();
    writeFully(b);
  }

  /**
   * Records one frame: the bytes between {@code frame}'s position and limit (position unchanged).
   *
   * @param timeNanos capture time, nanoseconds since the Unix epoch
   * @throws IOException when the file cannot be written
   */
  public synchronized void write(ByteBuffer frame, Direction direction, long timeNanos)
      throws IOException {
    int length = frame.remaining();
    int captured = Math.min(length, snaplen);
    int total = 28 + align4(captured) + 12 + 4;
    block.clear();
    block.putInt(EPB).putInt(total).putInt(0); // interface id 0
    block.putInt((int) (timeNanos >>> 32)).putInt((int) timeNanos);
    block.putInt(captured).putInt(length);
    block.put(frame.slice(frame.position(), captured));
    for (int pad = align4(captured) - captured; pad > 0; pad--) block.put((byte) 0);
    block.putShort(EPB_FLAGS).putShort((short) 4).putInt(direction.bits);
    block.putShort(OPT_ENDOFOPT).putShort((short) 0);
    block.putInt(total);
    block.flip();
    writeFully(block);
    frames++;
  }

  /** Frames written so far. */
  public synchronized long frames() {
    return frames;
  }

  private void writeFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) channel.write(b);
  }

  private static int align4(int n) {
    return (n + 3) & ~3;
  }

  @Override
  public synchronized void close() throws IOException {
    channel.close();
  }
}
