package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.plugin.overlay.Macs;
import io.kubevde.vdeplug.plugin.overlay.OverlayNet;
import io.kubevde.vdeplug.plugin.overlay.SelfEcho;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A vxvde node (vde-protocols.md §4.4): a distributed switch over UDP multicast, wire-compatible with vdeplug4's
 * {@code libvdeplug_vxvde}, plus a unicast mode.
 *
 * <p>Sockets: the <em>group</em> socket (M) is bound to GROUP:PORT with SO_REUSEADDR and joined to GROUP on the
 * chosen interface, so several nodes on one host all receive the group; the <em>unicast</em> socket (U) is bound to
 * an ephemeral port (on {@code bind=} if given) and sends everything. Broadcast, multicast and unknown-destination frames
 * go to GROUP:PORT; a frame to a learned MAC goes straight to the peer's U socket. In unicast mode ({@code peers=}) the
 * group socket is replaced by a socket listening on PORT (on {@code bind=} or the wildcard address) and the
 * broadcast/unknown frames are sent once to each peer's PORT (a peer that is this very socket is skipped).
 *
 * <p>Differences from vdeplug4, on purpose (§12.4): frames of exactly 14 bytes are accepted; {@code rcvbuf} applies to
 * both sockets; the IPv4 unicast TTL stays at the system default (vdeplug4 sets it to the multicast TTL, 1, which
 * breaks unicast across routers); the learning table is a real hash map; the {@code if} interface must exist (vdeplug4
 * silently uses "any").
 *
 * <p>Threads: one receiver and any number of senders (sends are serialised). The hot path reuses two direct buffers.
 */
public final class VxvdePlug implements Plug {
    private static final Logger LOG = Logger.getLogger(VxvdePlug.class.getName());
    private static final Consumer<SelectionKey> IGNORE = k -> { };
    private static final int EMPTY = -2;
    /** How long a send waits for room in the socket buffer before the frame is dropped (ms). */
    private static final long SEND_WAIT_MS = 50;

    private final VxvdeConfig config;
    private final DatagramChannel group;
    private final DatagramChannel unicast;
    private final Selector readSelector;
    private final Selector writeSelector;
    private final InetSocketAddress[] floodTargets;
    private final MacTable table;
    private final PlugStats stats = new PlugStats();
    private final VxvdeReceivePath receivePath;
    private final ByteBuffer rbuf = ByteBuffer.allocateDirect(VxlanHeader.LENGTH + Plug.MAX_FRAME + 1);
    private final ByteBuffer sbuf = ByteBuffer.allocateDirect(VxlanHeader.LENGTH + Plug.MAX_FRAME);
    private final ReentrantLock sendLock = new ReentrantLock();
    private volatile boolean closed;
    /** Frames in a row taken from one socket before the other is looked at first. */
    private static final int FAIRNESS = 32;
    private boolean lastFromGroup;
    private int streak;

    private VxvdePlug(VxvdeConfig config, DatagramChannel group, DatagramChannel unicast, Selector readSelector,
                      Selector writeSelector, InetSocketAddress[] floodTargets, SelfEcho selfEcho) {
        this.config = config;
        this.group = group;
        this.unicast = unicast;
        this.readSelector = readSelector;
        this.writeSelector = writeSelector;
        this.floodTargets = floodTargets;
        this.table = new MacTable(config.hashsize(), config.expireMillis());
        this.receivePath = new VxvdeReceivePath(config.header(), table, stats, selfEcho, System::currentTimeMillis);
        config.header().write(sbuf);
    }

    /**
     * Opens the sockets of a node.
     *
     * @throws IOException when the group has no route/interface, a port is in use (unicast mode), or a socket option
     *                     is refused; the message says which
     */
    public static VxvdePlug open(VxvdeConfig c) throws IOException {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            NetworkInterface iface = null;
            DatagramChannel g = DatagramChannel.open(c.family());
            opened.add(g);
            if (c.rcvbuf() > 0) g.setOption(StandardSocketOptions.SO_RCVBUF, (int) c.rcvbuf());
            if (c.unicastMode()) {
                InetSocketAddress listen = c.bind() == null ? new InetSocketAddress(c.port()) : new InetSocketAddress(c.bind(), c.port());
                try {
                    g.bind(listen);
                } catch (IOException e) {
                    throw new IOException("cannot listen on " + listen + " (unicast mode): " + e.getMessage(), e);
                }
            } else {
                iface = OverlayNet.multicastInterface(c.group(), c.ifName());
                g.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                g.bind(new InetSocketAddress(c.group(), c.port()));
                g.join(c.group(), iface);
            }
            DatagramChannel u = DatagramChannel.open(c.family());
            opened.add(u);
            if (c.rcvbuf() > 0) u.setOption(StandardSocketOptions.SO_RCVBUF, (int) c.rcvbuf());
            u.bind(c.bind() == null ? null : new InetSocketAddress(c.bind(), 0));
            u.setOption(StandardSocketOptions.IP_MULTICAST_TTL, c.ttl());
            u.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            if (iface != null) u.setOption(StandardSocketOptions.IP_MULTICAST_IF, iface);
            g.configureBlocking(false);
            u.configureBlocking(false);
            Selector rs = Selector.open();
            opened.add(rs);
            Selector ws = Selector.open();
            opened.add(ws);
            g.register(rs, SelectionKey.OP_READ);
            u.register(rs, SelectionKey.OP_READ);
            u.register(ws, SelectionKey.OP_WRITE);
            SelfEcho selfEcho = new SelfEcho(((InetSocketAddress) u.getLocalAddress()).getPort());
            InetSocketAddress[] targets;
            if (c.unicastMode()) {
                List<InetSocketAddress> t = new ArrayList<>();
                for (InetSocketAddress p : c.peers()) {
                    boolean self = p.getPort() == c.port() && selfEcho.isLocal(p.getAddress())
                            && (c.bind() == null || c.bind().equals(p.getAddress()));
                    if (!self) t.add(p);
                }
                targets = t.toArray(InetSocketAddress[]::new);
            } else {
                targets = new InetSocketAddress[] {new InetSocketAddress(c.group(), c.port())};
            }
            return new VxvdePlug(c, g, u, rs, ws, targets, selfEcho);
        } catch (IOException | RuntimeException e) {
            for (AutoCloseable a : opened) {
                try {
                    a.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
            throw e;
        }
    }

    /** The configuration this node runs with. */
    public VxvdeConfig config() { return config; }

    /** The local address of the unicast socket (its port is what peers learn). */
    public InetSocketAddress unicastAddress() throws IOException { return (InetSocketAddress) unicast.getLocalAddress(); }

    /** Where broadcast/unknown frames go: the group, or the peers (without this node itself). */
    public List<InetSocketAddress> floodTargets() { return List.of(floodTargets); }

    /** The learning table (for diagnostics and tests). */
    public MacTable table() { return table; }

    @Override
    public void send(ByteBuffer frame) throws IOException {
        int n = frame.remaining();
        if (n < MIN_FRAME || n > MAX_FRAME) {
            frame.position(frame.limit());
            stats.dropped();
            return;
        }
        if (closed) throw new ClosedChannelException();
        sendLock.lock();
        try {
            sbuf.clear().position(VxlanHeader.LENGTH);
            sbuf.put(frame);
            sbuf.flip();
            long dst = Macs.destination(sbuf, VxlanHeader.LENGTH);
            InetSocketAddress to = Macs.isGroup(dst) ? null
                    : table.lookup(MacTable.key(dst, VxvdeReceivePath.VLAN), System.currentTimeMillis());
            if (to != null) {
                transmit(to);
            } else {
                for (InetSocketAddress t : floodTargets) {
                    sbuf.position(0);
                    transmit(t);
                }
            }
            stats.sent(n);
        } finally {
            sendLock.unlock();
        }
    }

    private void transmit(InetSocketAddress to) throws IOException {
        try {
            if (unicast.send(sbuf, to) > 0) return;
            long deadline = System.nanoTime() + SEND_WAIT_MS * 1_000_000L;
            while (System.nanoTime() < deadline) {
                writeSelector.select(IGNORE, SEND_WAIT_MS);
                if (unicast.send(sbuf, to) > 0) return;
            }
            stats.dropped();
        } catch (ClosedChannelException | ClosedSelectorException e) {
            throw new ClosedChannelException();
        } catch (IOException e) {
            // transient (no route, unreachable): the frame is lost, as a switch would lose it
            stats.dropped();
            LOG.log(Level.FINE, "vxvde send to " + to + " failed", e);
        }
    }

    /**
     * Receives from whichever socket has data. The socket that delivered last is tried first (under load nearly every
     * frame comes from one socket, so this saves an empty recvfrom per frame); the other one is still tried at least
     * every {@value #FAIRNESS} frames so that neither can starve the other.
     */
    @Override
    public int receive(ByteBuffer frame) throws IOException {
        try {
            while (!closed) {
                boolean groupFirst = lastFromGroup;
                if (++streak >= FAIRNESS) {
                    streak = 0;
                    groupFirst = !groupFirst;
                }
                int r = poll(groupFirst ? group : unicast, groupFirst, frame);
                if (r != EMPTY) {
                    lastFromGroup = groupFirst;
                    return r;
                }
                r = poll(groupFirst ? unicast : group, !groupFirst, frame);
                if (r != EMPTY) {
                    lastFromGroup = !groupFirst;
                    streak = 0;
                    return r;
                }
                readSelector.select(IGNORE);
            }
        } catch (ClosedChannelException | ClosedSelectorException e) {
            // closed under us
        }
        return CLOSED;
    }

    private int poll(DatagramChannel ch, boolean isGroup, ByteBuffer frame) throws IOException {
        rbuf.clear();
        InetSocketAddress from = (InetSocketAddress) ch.receive(rbuf);
        if (from == null) return EMPTY;
        return receivePath.accept(rbuf, rbuf.position(), from, isGroup, frame);
    }

    @Override
    public PlugStats stats() { return stats; }

    /** Sends the goodbye datagram (the 8 header bytes, to the group or every peer), then closes everything. */
    @Override
    public void close() throws IOException {
        if (closed) return;
        closed = true;
        try {
            ByteBuffer bye = ByteBuffer.wrap(config.header().bytes());
            for (InetSocketAddress t : floodTargets) {
                bye.rewind();
                unicast.send(bye, t);
            }
        } catch (IOException e) {
            LOG.log(Level.FINE, "vxvde goodbye failed", e);
        }
        readSelector.wakeup();
        writeSelector.wakeup();
        IOException first = null;
        for (AutoCloseable c : new AutoCloseable[] {group, unicast, readSelector, writeSelector}) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) first = e instanceof IOException io ? io : new IOException(e);
            }
        }
        if (first != null) throw first;
    }

    @Override
    public String toString() {
        return "vxvde " + (config.unicastMode() ? "peers=" + config.peers() : config.group().getHostAddress())
                + ":" + config.port() + " vni " + config.vni();
    }
}
