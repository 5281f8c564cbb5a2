package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.Plug;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The direct buffers of the port readers, kept for the next port when a port leaves (issue 15: an
 * agent attaching and detaching pods all day would otherwise allocate and free one per port, which
 * fragments the C heap the JVM takes direct memory from and lets the RSS creep up). Two sizes:
 * {@link #PLAIN} for ordinary frames, {@link #OFFLOAD} for super-frames; at most {@value #KEEP} of
 * each are kept. Every buffer has {@link OffloadPlug#HEADROOM} bytes before the frame, so a tap
 * writing its virtio-net header there never needs a copy. Thread-safe.
 */
final class PumpBuffers {
  /** Bytes of a buffer for ordinary frames: headroom + {@link Plug#MAX_FRAME} + 2. */
  static final int PLAIN = OffloadPlug.HEADROOM + Plug.MAX_FRAME + 2;

  /** Bytes of a buffer for super-frames: headroom + {@link OffloadPlug#MAX_SUPER_FRAME}. */
  static final int OFFLOAD = OffloadPlug.HEADROOM + OffloadPlug.MAX_SUPER_FRAME;

  /** Free buffers kept per size. */
  static final int KEEP = 32;

  private static final ConcurrentLinkedQueue<ByteBuffer> PLAIN_FREE = new ConcurrentLinkedQueue<>();
  private static final ConcurrentLinkedQueue<ByteBuffer> OFFLOAD_FREE =
      new ConcurrentLinkedQueue<>();
  private static final AtomicInteger PLAIN_KEPT = new AtomicInteger();
  private static final AtomicInteger OFFLOAD_KEPT = new AtomicInteger();

  private PumpBuffers() {}

  /** A cleared buffer of {@link #OFFLOAD} bytes ({@code offload}) or {@link #PLAIN} bytes. */
  static ByteBuffer take(boolean offload) {
    ByteBuffer b = (offload ? OFFLOAD_FREE : PLAIN_FREE).poll();
    if (b == null) return ByteBuffer.allocateDirect(offload ? OFFLOAD : PLAIN);
    (offload ? OFFLOAD_KEPT : PLAIN_KEPT).decrementAndGet();
    return b.clear();
  }

  /** Returns a buffer from {@link #take} (the caller must not use it any more). */
  static void give(ByteBuffer b) {
    boolean offload = b.capacity() == OFFLOAD;
    AtomicInteger kept = offload ? OFFLOAD_KEPT : PLAIN_KEPT;
    if (kept.incrementAndGet() > KEEP) {
      kept.decrementAndGet();
      return;
    }
    (offload ? OFFLOAD_FREE : PLAIN_FREE).offer(b);
  }
}
