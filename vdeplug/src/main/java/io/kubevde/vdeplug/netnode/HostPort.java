package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The host port: frames the node delivers to its own plug wait in a bounded byte ring (one
 * preallocated direct buffer of {@link #BYTES} bytes, frames stored back to back, never split; at
 * most {@link #SLOTS} frames; no per-frame allocation) until {@link Netnode#receive} takes them;
 * when the ring is full the frame is dropped and counted (the host is a non-blocking receiver like
 * every other port, vde-protocols.md §6.1). Sized by bytes so a host stalled for ~0.4 s (GC, CPU
 * load) at 10k small frames/s loses nothing, for 2 MiB per node.
 */
final class HostPort extends NetnodePort {
  static final int SLOTS = 8192;
  static final int BYTES = 2 << 20;
  private final ByteBuffer ring = ByteBuffer.allocateDirect(BYTES);
  private final int[] lengths = new int[SLOTS];
  private final int[] offsets = new int[SLOTS];
  private int writePos;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition notEmpty = lock.newCondition();
  private int head;
  private int count;
  private boolean closed;

  HostPort() {
    super(0, "host", PortLimits.NONE);
  }

  @Override
  public String kind() {
    return "host";
  }

  @Override
  void transmit(ByteBuffer frame) {
    int len = Math.min(frame.remaining(), io.kubevde.vdeplug.Plug.MAX_FRAME);
    lock.lock();
    try {
      int at = closed || count == SLOTS ? -1 : place(len);
      if (at < 0) {
        stats().dropped();
        return;
      }
      int slot = (head + count) % SLOTS;
      ring.put(at, frame, frame.position(), len);
      lengths[slot] = len;
      offsets[slot] = at;
      writePos = at + len;
      count++;
      stats().sent(len);
      notEmpty.signal();
    } finally {
      lock.unlock();
    }
  }

  /**
   * Where a frame of {@code len} bytes goes in the byte ring, or -1 when it does not fit (lock
   * held).
   */
  private int place(int len) {
    if (count == 0) return len <= BYTES ? 0 : -1;
    int readPos = offsets[head];
    if (writePos >= readPos) {
      if (BYTES - writePos >= len) return writePos;
      return len < readPos ? 0 : -1; // wrap to the start, strictly below the oldest frame
    }
    return readPos - writePos > len ? writePos : -1;
  }

  /**
   * Takes the oldest frame into {@code out} (position advanced); blocks; returns its length or -1
   * when closed.
   */
  int take(ByteBuffer out) throws java.io.InterruptedIOException {
    lock.lock();
    try {
      while (count == 0) {
        if (closed) return -1;
        try {
          notEmpty.await(1, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while waiting for a frame");
        }
      }
      int len = lengths[head];
      int n = Math.min(len, out.remaining());
      out.put(out.position(), ring, offsets[head], n);
      out.position(out.position() + n);
      head = (head + 1) % SLOTS;
      count--;
      return n;
    } finally {
      lock.unlock();
    }
  }

  @Override
  void shutdown() {
    lock.lock();
    try {
      closed = true;
      notEmpty.signalAll();
    } finally {
      lock.unlock();
    }
  }
}
