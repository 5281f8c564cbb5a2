package io.kubevde.vdeplug.stream;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A plug that speaks the vde byte stream (vde-protocols.md §2) over a pair of byte channels:
 * stdin/stdout for {@code vde_plug}'s 0- and 1-VNL forms ({@link #stdio()}), a child's pipes for
 * {@code cmd://} and {@code = cmd}. Receiving reads chunks of up to 64 KiB and decodes them with a
 * {@link StreamDecoder} (partial headers and bodies kept across reads; frames shorter than 14 bytes
 * counted as dropped); sending writes header+frame in one write with a {@link StreamEncoder}. End
 * of input (EOF) makes {@link #receive} return {@link #CLOSED}.
 */
public final class StreamPlug implements Plug {
  private static final int READ_CHUNK = 64 * 1024;

  private final ReadableByteChannel in;
  private final WritableByteChannel out;
  private final AutoCloseable onClose;
  private final PlugStats stats = new PlugStats();
  private final StreamDecoder decoder = new StreamDecoder(stats);
  private final StreamEncoder encoder;
  private final ByteBuffer readBuf;
  private final Object writeLock = new Object();
  private volatile boolean closed;

  /**
   * @param in the stream to read frames from (blocking)
   * @param out the stream to write frames to (blocking)
   * @param direct whether to use direct buffers (true for {@link java.nio.channels.FileChannel}s)
   * @param onClose run first by {@link #close} (e.g. terminate a child process), may be null
   */
  public StreamPlug(
      ReadableByteChannel in, WritableByteChannel out, boolean direct, AutoCloseable onClose) {
    this.in = in;
    this.out = out;
    this.onClose = onClose;
    this.encoder = new StreamEncoder(stats, direct);
    this.readBuf = direct ? ByteBuffer.allocateDirect(READ_CHUNK) : ByteBuffer.allocate(READ_CHUNK);
    this.readBuf.flip();
  }

  /**
   * A stream plug on this process's stdin (fd 0) and stdout (fd 1). Nothing else may write to fd 1.
   */
  public static StreamPlug stdio() {
    return new StreamPlug(
        new FileInputStream(FileDescriptor.in).getChannel(),
        new FileOutputStream(FileDescriptor.out).getChannel(),
        true,
        null);
  }

  /**
   * A stream plug on a pair of java.io streams (e.g. a child process's stdout and stdin); every
   * frame is written with one {@code write} and a flush.
   */
  public static StreamPlug of(InputStream in, OutputStream out, AutoCloseable onClose) {
    return new StreamPlug(Channels.newChannel(in), new OutputStreamChannel(out), false, onClose);
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    if (closed) throw new ClosedChannelException();
    if (frame.remaining() < MIN_FRAME) {
      frame.position(frame.limit());
      stats.dropped();
      return;
    }
    synchronized (writeLock) {
      try {
        encoder.write(frame, out);
      } catch (AsynchronousCloseException e) {
        throw closed ? new ClosedChannelException() : e;
      }
    }
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    while (true) {
      if (closed) return CLOSED;
      int n = decoder.next(readBuf, frame);
      if (n >= 0) {
        if (n < MIN_FRAME) {
          frame.position(frame.position() - n);
          stats.dropped();
          continue;
        }
        stats.received(n);
        return n;
      }
      readBuf.clear();
      int r;
      try {
        r = in.read(readBuf);
      } catch (ClosedChannelException e) {
        return CLOSED;
      } catch (IOException e) {
        if (closed) return CLOSED;
        throw e;
      } finally {
        readBuf.flip();
      }
      if (r < 0) return CLOSED;
    }
  }

  /** The decoder, for its keep-alive, resynchronisation and frame counters. */
  public StreamDecoder decoder() {
    return decoder;
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Runs the close action (e.g. terminating a child process) and closes both streams. Synchronized:
   * a second caller (a shutdown hook racing the cable's own close) waits until the first has
   * finished, so the JVM cannot halt between the first caller marking the plug closed and the child
   * being signalled.
   */
  @Override
  public synchronized void close() throws IOException {
    if (closed) return;
    closed = true;
    try {
      if (onClose != null) onClose.close();
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    } finally {
      try {
        out.close();
      } finally {
        in.close();
      }
    }
  }

  /**
   * Writes each buffer with one {@code write(byte[],…)} and a flush; heap buffers only (the
   * encoder's).
   */
  private static final class OutputStreamChannel implements WritableByteChannel {
    private final OutputStream out;
    private volatile boolean open = true;

    OutputStreamChannel(OutputStream out) {
      this.out = out;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int n = src.remaining();
      out.write(src.array(), src.arrayOffset() + src.position(), n);
      out.flush();
      src.position(src.limit());
      return n;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() throws IOException {
      open = false;
      out.close();
    }
  }
}
