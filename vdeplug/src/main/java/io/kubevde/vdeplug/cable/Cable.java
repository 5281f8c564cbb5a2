package io.kubevde.vdeplug.cable;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.Plug;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects two plugs like {@code vde_plug VNL1 VNL2} (vde-protocols.md §10.1): every frame received
 * on one is sent on the other, in both directions, one pump thread per direction, each reusing one
 * direct buffer (no per-frame allocation). Frames shorter than {@link Plug#MIN_FRAME} are never
 * forwarded. The cable ends when either plug reports {@link Plug#CLOSED} or fails; {@link #close}
 * closes both plugs.
 *
 * <p>When both plugs are {@link OffloadPlug}s opened with offloads ({@code tap://X/offload} and
 * {@code vxvde://.../offload}), the pumps move super-frames ({@link OffloadPlug#receiveOffload},
 * {@link OffloadPlug#sendOffload}) in buffers of {@link OffloadPlug#MAX_SUPER_FRAME} bytes with
 * {@link OffloadPlug#HEADROOM} bytes in front; otherwise plain frames.
 *
 * <p>Batches (issue 14): after each blocking receive a pump takes up to {@value #BATCH} - 1 more
 * frames that are ready at once ({@link Plug#receiveNow}), hands each to {@link Plug#sendLater} and
 * then calls {@link Plug#flush}, so a plug that batches (vxvde: one {@code sendmmsg}) sends them
 * with one system call. Nothing waits for a batch to fill: when no frame is ready the batch goes at
 * once, so a lone frame is not delayed.
 */
public final class Cable implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Cable.class);

  /** Most frames a pump moves per batch (one blocking receive, then frames ready at once). */
  public static final int BATCH = 32;

  private final Plug left;
  private final Plug right;
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Thread leftToRight;
  private final Thread rightToLeft;

  /** Starts pumping between {@code left} and {@code right}; {@code name} names the threads. */
  public Cable(String name, Plug left, Plug right) {
    this.left = left;
    this.right = right;
    this.leftToRight =
        Thread.ofPlatform().name(name + "-l2r").daemon().unstarted(() -> pump(left, right));
    this.rightToLeft =
        Thread.ofPlatform().name(name + "-r2l").daemon().unstarted(() -> pump(right, left));
    leftToRight.start();
    rightToLeft.start();
  }

  /** Whether the pumps of a cable between {@code a} and {@code b} move super-frames. */
  public static boolean offloaded(Plug a, Plug b) {
    return a instanceof OffloadPlug oa
        && oa.offloadEnabled()
        && b instanceof OffloadPlug ob
        && ob.offloadEnabled();
  }

  private void pump(Plug from, Plug to) {
    if (offloaded(from, to)) {
      pumpOffload((OffloadPlug) from, (OffloadPlug) to);
      return;
    }
    ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 2);
    try {
      while (true) {
        buf.clear();
        int n = from.receive(buf);
        if (n == Plug.CLOSED) break;
        if (n >= Plug.MIN_FRAME) {
          buf.flip();
          to.sendLater(buf);
        }
        for (int k = 1; k < BATCH; k++) {
          buf.clear();
          n = from.receiveNow(buf);
          if (n == Plug.AGAIN || n == Plug.CLOSED) break;
          if (n < Plug.MIN_FRAME) continue;
          buf.flip();
          to.sendLater(buf);
        }
        to.flush();
        if (n == Plug.CLOSED) break;
      }
    } catch (IOException e) {
      if (ended.getCount() > 0)
        LOG.warn("cable " + Thread.currentThread().getName() + " stopped: " + e.getMessage());
    } finally {
      ended.countDown();
    }
  }

  private void pumpOffload(OffloadPlug from, OffloadPlug to) {
    from.peerTakesUdpSuperFrames(to.takesUdpSuperFrames());
    ByteBuffer buf = ByteBuffer.allocateDirect(OffloadPlug.HEADROOM + OffloadPlug.MAX_SUPER_FRAME);
    GsoInfo info = new GsoInfo();
    try {
      while (true) {
        buf.clear().position(OffloadPlug.HEADROOM);
        int n = from.receiveOffload(buf, info);
        if (n == Plug.CLOSED) break;
        if (n >= Plug.MIN_FRAME) {
          buf.limit(buf.position()).position(OffloadPlug.HEADROOM);
          to.sendOffloadLater(buf, info);
        }
        for (int k = 1; k < BATCH; k++) {
          buf.clear().position(OffloadPlug.HEADROOM);
          n = from.receiveOffloadNow(buf, info);
          if (n == Plug.AGAIN || n == Plug.CLOSED) break;
          if (n < Plug.MIN_FRAME) continue;
          buf.limit(buf.position()).position(OffloadPlug.HEADROOM);
          to.sendOffloadLater(buf, info);
        }
        to.flush();
        if (n == Plug.CLOSED) break;
      }
    } catch (IOException e) {
      if (ended.getCount() > 0)
        LOG.warn("cable " + Thread.currentThread().getName() + " stopped: " + e.getMessage());
    } finally {
      ended.countDown();
    }
  }

  /** Blocks until one direction has ended (a plug closed or failed). */
  public void awaitEnd() throws InterruptedException {
    ended.await();
  }

  /** Whether the cable has ended. */
  public boolean ended() {
    return ended.getCount() == 0;
  }

  /** Closes both plugs, which ends both pumps. */
  @Override
  public void close() {
    ended.countDown();
    closeQuietly(left);
    closeQuietly(right);
  }

  private static void closeQuietly(Plug p) {
    try {
      p.close();
    } catch (IOException e) {
      LOG.debug("close failed", e);
    }
  }
}
