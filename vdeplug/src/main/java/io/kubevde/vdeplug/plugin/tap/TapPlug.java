package io.kubevde.vdeplug.plugin.tap;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code tap://NAME} (vde-protocols.md §5): a plug on a {@link TapDevice}; frames read from the
 * interface are received, frames sent are written to it. Frames shorter than 14 bytes are dropped
 * both ways, and so are sent frames longer than {@link #MAX_FRAME} (counted). Closed: send throws
 * {@link io.kubevde.vdeplug.PlugClosedException}, receive returns {@link #CLOSED}; the device's
 * {@link io.kubevde.vdeplug.fd.FdPlugLifecycle} does the rest.
 */
public final class TapPlug implements Plug {
  private final TapDevice device;
  private final PlugStats stats = new PlugStats();

  /** Wraps an open device; closing the plug closes the device. */
  public TapPlug(TapDevice device) {
    this.device = device;
  }

  /** The underlying device. */
  public TapDevice device() {
    return device;
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    if (!device.lifecycle().admit(frame, stats)) return;
    if (device.write(frame) > 0) stats.sent(n);
    else stats.dropped();
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    int n = device.read(frame);
    if (n == CLOSED) return CLOSED;
    if (n < MIN_FRAME) {
      frame.position(frame.position() - n);
      stats.malformed();
      return NO_FRAME;
    }
    stats.received(n);
    return n;
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  @Override
  public void close() {
    device.close();
  }

  @Override
  public String toString() {
    return "tap://" + device.name();
  }
}
