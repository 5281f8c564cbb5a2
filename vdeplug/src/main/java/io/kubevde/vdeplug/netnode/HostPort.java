package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The host port: frames the node delivers to its own plug wait in a bounded ring of preallocated slots (no
 * per-frame allocation) until {@link Netnode#receive} takes them; when the ring is full the frame is dropped and
 * counted (the host is a non-blocking receiver like every other port, vde-protocols.md §6.1).
 */
final class HostPort extends NetnodePort {
    static final int SLOTS = 128;
    private final ByteBuffer ring = ByteBuffer.allocateDirect(SLOTS * io.kubevde.vdeplug.Plug.MAX_FRAME);
    private final int[] lengths = new int[SLOTS];
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private int head;
    private int count;
    private boolean closed;

    HostPort() { super(0, "host"); }

    @Override
    public String kind() { return "host"; }

    @Override
    public void deliver(ByteBuffer frame) {
        int len = Math.min(frame.remaining(), io.kubevde.vdeplug.Plug.MAX_FRAME);
        lock.lock();
        try {
            if (closed || count == SLOTS) {
                stats().dropped();
                return;
            }
            int slot = (head + count) % SLOTS;
            ring.put(slot * io.kubevde.vdeplug.Plug.MAX_FRAME, frame, frame.position(), len);
            lengths[slot] = len;
            count++;
            stats().sent(len);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the oldest frame into {@code out} (position advanced); blocks; returns its length or -1 when closed. */
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
            out.put(out.position(), ring, head * io.kubevde.vdeplug.Plug.MAX_FRAME, n);
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
