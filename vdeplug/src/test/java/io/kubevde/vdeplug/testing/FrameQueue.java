package io.kubevde.vdeplug.testing;

import io.kubevde.vdeplug.Plug;
import java.nio.ByteBuffer;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Collects every frame a {@link Plug} receives (a daemon thread calling {@code receive} until
 * CLOSED), so a test can wait for a frame with a timeout or assert that none arrived. Closing the
 * collector closes the plug.
 */
public final class FrameQueue implements AutoCloseable {
  private final Plug plug;
  private final LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();
  private final Thread thread;

  /** Starts collecting from {@code plug}. */
  public FrameQueue(Plug plug) {
    this.plug = plug;
    this.thread = Thread.ofPlatform().daemon().name("frames-" + plug).start(this::run);
  }

  private void run() {
    ByteBuffer b = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 2);
    try {
      while (true) {
        b.clear();
        int n = plug.receive(b);
        if (n == Plug.CLOSED) return;
        if (n < Plug.MIN_FRAME) continue;
        byte[] f = new byte[n];
        b.flip();
        b.get(f);
        frames.add(f);
      }
    } catch (Exception e) {
      // plug closed under us
    }
  }

  /** The plug. */
  public Plug plug() {
    return plug;
  }

  /** Sends {@code frame} on the plug. */
  public void send(byte[] frame) throws java.io.IOException {
    plug.send(EthFrames.direct(frame));
  }

  /** The next frame, waiting up to {@code ms}; null on timeout. */
  public byte[] poll(long ms) throws InterruptedException {
    return frames.poll(ms, TimeUnit.MILLISECONDS);
  }

  /**
   * The next frame whose payload ends with {@code marker} (others are skipped), or null after
   * {@code ms}.
   */
  public byte[] pollMarked(String marker, long ms) throws InterruptedException {
    long deadline = System.currentTimeMillis() + ms;
    byte[] m = marker.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    while (true) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) return null;
      byte[] f = poll(left);
      if (f == null) return null;
      if (f.length >= m.length
          && java.util.Arrays.equals(f, f.length - m.length, f.length, m, 0, m.length)) return f;
    }
  }

  @Override
  public void close() throws Exception {
    plug.close();
    thread.join(5000);
  }
}
