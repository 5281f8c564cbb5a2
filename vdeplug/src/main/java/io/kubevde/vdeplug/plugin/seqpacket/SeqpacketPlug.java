package io.kubevde.vdeplug.plugin.seqpacket;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code seqpacket://FD} (vde-protocols.md §8): one frame per message on an already open, inherited socket (typically
 * one end of {@code socketpair(AF_UNIX, SOCK_SEQPACKET)}), through libc {@code poll}/{@code recv}/{@code send}.
 * Frames shorter than 14 bytes (so also zero-length ones) are never sent; received messages shorter than 14 bytes are
 * counted as dropped. A read of 0 bytes or POLLHUP/POLLERR means the peer is gone: {@link #receive} returns
 * {@link #CLOSED}. Sends block while the peer's buffer is full (like vdeplug4). {@link #close} wakes a blocked
 * receiver through an eventfd and closes the fd.
 */
public final class SeqpacketPlug implements Plug {
    private static final int MSG_NOSIGNAL = 0x4000;
    private static final int F_GETFD = 1;
    private static final LibC C = LibC.INSTANCE;

    private final int fd;
    private final int wakeFd;
    private final PlugStats stats = new PlugStats();
    private final ByteBuffer rbuf = ByteBuffer.allocateDirect(65536);
    private final ByteBuffer sbuf = ByteBuffer.allocateDirect(MAX_FRAME);
    private final ByteBuffer pollFds = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
    private final ReentrantLock fdLock = new ReentrantLock();
    private final Object sendLock = new Object();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.AtomicInteger receivers = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicBoolean wakeClosed = new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * Adopts {@code fd}; the plug owns it from now on and closes it on {@link #close}.
     *
     * @throws IOException when {@code fd} is not open in this process
     */
    public SeqpacketPlug(int fd) throws IOException {
        if (fd < 0 || C.fcntl(fd, F_GETFD, 0) < 0) {
            throw new IOException("seqpacket: fd " + fd + " is not open in this process"
                    + (fd < 0 ? "" : " (" + LibC.message(LibC.errno()) + ")"));
        }
        int efd = C.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (efd < 0) throw new IOException("seqpacket: eventfd: " + LibC.message(LibC.errno()));
        this.fd = fd;
        this.wakeFd = efd;
    }

    @Override
    public void send(ByteBuffer frame) throws IOException {
        if (closed) throw new ClosedChannelException();
        int n = frame.remaining();
        if (n < MIN_FRAME || n > MAX_FRAME) {
            frame.position(frame.limit());
            stats.dropped();
            return;
        }
        synchronized (sendLock) {
            sbuf.clear();
            sbuf.put(frame).flip();
            while (true) {
                long r = C.send(fd, sbuf, n, MSG_NOSIGNAL);
                if (r == n) {
                    stats.sent(n);
                    return;
                }
                int err = LibC.errno();
                if (r < 0 && err == LibC.EINTR) continue;
                if (closed) throw new ClosedChannelException();
                if (r < 0 && (err == LibC.EAGAIN || err == 105 /* ENOBUFS */)) {
                    stats.dropped();
                    return;
                }
                throw new IOException("seqpacket: send on fd " + fd + ": " + (r < 0 ? LibC.message(err) : "short send"));
            }
        }
    }

    @Override
    public int receive(ByteBuffer frame) throws IOException {
        receivers.incrementAndGet();
        try {
            return receiveFrame(frame);
        } finally {
            if (receivers.decrementAndGet() == 0 && closed) closeWakeFd();
        }
    }

    private void closeWakeFd() {
        if (wakeClosed.compareAndSet(false, true)) C.close(wakeFd);
    }

    private int receiveFrame(ByteBuffer frame) throws IOException {
        while (true) {
            if (closed) return CLOSED;
            pollFds.clear();
            pollFds.putInt(0, fd).putShort(4, LibC.POLLIN).putShort(6, (short) 0);
            pollFds.putInt(8, wakeFd).putShort(12, LibC.POLLIN).putShort(14, (short) 0);
            int pr = C.poll(pollFds, 2, -1);
            if (closed) return CLOSED;
            if (pr < 0) {
                if (LibC.errno() == LibC.EINTR) continue;
                throw new IOException("seqpacket: poll: " + LibC.message(LibC.errno()));
            }
            short rev = pollFds.getShort(6);
            if ((rev & LibC.POLLNVAL) != 0) return CLOSED;
            if ((rev & LibC.POLLIN) == 0 && (rev & (LibC.POLLHUP | LibC.POLLERR)) != 0) return CLOSED;
            if ((rev & LibC.POLLIN) == 0) continue;
            long n;
            fdLock.lock();
            try {
                if (closed) return CLOSED;
                rbuf.clear();
                n = C.recv(fd, rbuf, rbuf.capacity(), LibC.MSG_DONTWAIT);
            } finally {
                fdLock.unlock();
            }
            if (n == 0) return CLOSED;
            if (n < 0) {
                int err = LibC.errno();
                if (err == LibC.EINTR || err == LibC.EAGAIN) continue;
                if (closed) return CLOSED;
                if (err == 104 /* ECONNRESET */) return CLOSED;
                throw new IOException("seqpacket: recv on fd " + fd + ": " + LibC.message(err));
            }
            if (n < MIN_FRAME) {
                stats.dropped();
                return NO_FRAME;
            }
            if (n > MAX_FRAME || frame.remaining() < n) {
                stats.malformed();
                return NO_FRAME;
            }
            rbuf.position(0).limit((int) n);
            frame.put(rbuf);
            stats.received((int) n);
            return (int) n;
        }
    }

    @Override
    public PlugStats stats() { return stats; }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
        C.write(wakeFd, one, 8);
        fdLock.lock();
        try {
            C.close(fd);
        } finally {
            fdLock.unlock();
        }
        // a receiver inside poll() still uses wakeFd: the last one out closes it
        if (receivers.get() == 0) closeWakeFd();
    }
}
