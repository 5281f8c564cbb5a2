package io.kubevde.vdeplug.plugin.tap;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.FdWaiter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code tap://IFNAME} (libvdeplug_tap, vde-protocols.md §4): attaches to (or creates) the Linux tap interface IFNAME
 * through {@code /dev/net/tun} with {@code TUNSETIFF} ({@code IFF_TAP | IFF_NO_PI}, a 40-byte {@code struct ifreq}:
 * 16-byte name, 2-byte flags); one frame per read/write of the fd. Needs CAP_NET_ADMIN. Frames shorter than 14
 * bytes are dropped (counted); a write the kernel refuses (e.g. the interface is down: EIO) is a drop, never fatal.
 * {@link #close} wakes a blocked {@link #receive} through an eventfd and closes the fd (a non-persistent tap then
 * disappears, as with the C plugin).
 */
public final class TapPlug implements Plug {
    /** {@code TUNSETIFF} = {@code _IOW('T', 202, int)}. */
    static final long TUNSETIFF = 0x400454caL;
    static final short IFF_TAP = 0x0002;
    static final short IFF_NO_PI = 0x1000;
    private static final LibC C = LibC.INSTANCE;

    private final int fd;
    private final String name;
    private final FdWaiter waiter;
    private final PlugStats stats = new PlugStats();
    private final ByteBuffer rbuf = ByteBuffer.allocateDirect(65536);
    private final ByteBuffer sbuf = ByteBuffer.allocateDirect(MAX_FRAME);
    private final ReentrantLock fdLock = new ReentrantLock();
    private volatile boolean closed;

    private TapPlug(int fd, String name) {
        this.fd = fd;
        this.name = name;
        this.waiter = new FdWaiter(fd);
    }

    /**
     * Opens tap {@code ifname} (at most 15 bytes).
     *
     * @throws IOException naming the interface and strerror when /dev/net/tun cannot be opened or TUNSETIFF fails
     */
    public static TapPlug open(String ifname) throws IOException {
        byte[] n = ifname.getBytes(StandardCharsets.UTF_8);
        if (n.length == 0 || n.length > 15) throw new IOException("tap: bad interface name '" + ifname + "' (1-15 bytes)");
        int fd = C.open("/dev/net/tun", LibC.O_RDWR | LibC.O_NONBLOCK | LibC.O_CLOEXEC);
        if (fd < 0) throw new IOException("tap: open /dev/net/tun: " + LibC.message(LibC.errno()));
        ByteBuffer ifr = ByteBuffer.allocateDirect(40).order(java.nio.ByteOrder.nativeOrder());
        ifr.put(0, n).putShort(16, (short) (IFF_TAP | IFF_NO_PI));
        if (C.ioctl(fd, TUNSETIFF, ifr) < 0) {
            int err = LibC.errno();
            C.close(fd);
            throw new IOException("tap: TUNSETIFF " + ifname + ": " + LibC.message(err));
        }
        return new TapPlug(fd, ifname);
    }

    /** The interface name. */
    public String name() { return name; }

    @Override
    public void send(ByteBuffer frame) throws IOException {
        if (closed) throw new ClosedChannelException();
        int n = frame.remaining();
        if (n < MIN_FRAME || n > MAX_FRAME) {
            frame.position(frame.limit());
            stats.dropped();
            return;
        }
        fdLock.lock();
        try {
            sbuf.clear();
            sbuf.put(frame).flip();
            long r = C.write(fd, sbuf, n);
            if (r == n) stats.sent(n);
            else stats.dropped();
        } finally {
            fdLock.unlock();
        }
    }

    @Override
    public int receive(ByteBuffer frame) throws IOException {
        while (true) {
            if (closed) return CLOSED;
            int mask = waiter.await(-1);
            if (closed || (mask & FdWaiter.WOKEN) != 0) return CLOSED;
            if ((mask & 1) == 0) continue;
            long n;
            fdLock.lock();
            try {
                if (closed) return CLOSED;
                rbuf.clear();
                n = C.read(fd, rbuf, rbuf.capacity());
            } finally {
                fdLock.unlock();
            }
            if (n < 0) {
                int err = LibC.errno();
                if (err == LibC.EINTR || err == LibC.EAGAIN) continue;
                if (closed) return CLOSED;
                throw new IOException("tap " + name + ": read: " + LibC.message(err));
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
        waiter.wake();
        fdLock.lock();
        try {
            C.close(fd);
        } finally {
            fdLock.unlock();
        }
    }
}
