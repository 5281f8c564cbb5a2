package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.GsoInfo;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * How the frame a {@link Netnode} is forwarding reaches each destination ({@link
 * NetnodePort#deliver}): a super-frame whole or cut ({@link SuperFrames}); an ordinary frame from a
 * reader that is draining a batch (issue 14) with {@link io.kubevde.vdeplug.Plug#sendLater}, the
 * ports so used sent with one {@link io.kubevde.vdeplug.Plug#flush} each when the reader's batch
 * ends ({@link #flush}: vxvde sends the batch with one {@code sendmmsg}); otherwise at once.
 *
 * <p>Threads: used only with the engine's forwarding lock held. No allocation per frame (the
 * pending list grows only when more ports are pending at once than ever before).
 */
final class Delivery {
  private final SuperFrames superFrames = new SuperFrames();
  private boolean later;
  private NetnodePort[] pending = new NetnodePort[8];
  private int pendingCount;

  /** The super-frame state (counters, the frame being forwarded). */
  SuperFrames superFrames() {
    return superFrames;
  }

  /**
   * Starts forwarding one frame; {@code gso} non-null for a super-frame, {@code batched} when its
   * reader will call {@link #flush} after its batch.
   */
  void begin(ByteBuffer frame, GsoInfo gso, boolean batched) {
    later = batched;
    if (gso != null) superFrames.begin(frame, gso);
  }

  /** Ends forwarding the current frame. */
  void end() {
    later = false;
    superFrames.end();
  }

  /** Delivers the current frame to {@code port} (not blocked by the spanning tree). */
  void deliver(NetnodePort port, ByteBuffer frame) {
    GsoInfo gso = superFrames.current();
    if (gso != null) {
      if (!port.transmitSuper(frame, gso)) superFrames.transmitSegments(port);
    } else if (later && port.transmitLater(frame)) {
      if (!port.flushPending) {
        port.flushPending = true;
        if (pendingCount == pending.length) pending = Arrays.copyOf(pending, pendingCount * 2);
        pending[pendingCount++] = port;
      }
    } else {
      port.transmit(frame);
    }
  }

  /** Sends what {@link NetnodePort#transmitLater} kept, port by port. */
  void flush() {
    for (int i = 0; i < pendingCount; i++) {
      NetnodePort p = pending[i];
      pending[i] = null;
      p.flushPending = false;
      p.flushLater();
    }
    pendingCount = 0;
  }
}
