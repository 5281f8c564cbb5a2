package io.kubevde.vdeplug.plugin.nullplug;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CountDownLatch;

/**
 * {@code null://} (vde-protocols.md §8): a terminator. {@link #send} discards every frame (counted
 * as dropped), {@link #receive} blocks until {@link #close} and then returns {@link #CLOSED}. Used
 * as the first VNL to run a stand-alone netnode: {@code vde_plug null:// switch:///tmp/sw}. The
 * argument is ignored, as in vdeplug4.
 */
public final class NullPlug implements Plug {
  private final PlugStats stats = new PlugStats();
  private final CountDownLatch closed = new CountDownLatch(1);

  @Override
  public void send(ByteBuffer frame) throws IOException {
    if (closed.getCount() == 0) throw new ClosedChannelException();
    frame.position(frame.limit());
    stats.dropped();
  }

  @Override
  public int receive(ByteBuffer frame) {
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return CLOSED;
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  @Override
  public void close() {
    closed.countDown();
  }
}
