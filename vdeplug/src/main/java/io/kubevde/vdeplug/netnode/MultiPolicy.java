package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * multi: a frame from a link goes to the host only (links are never bridged); a frame from the host is duplicated on
 * every link — the hand-off node of vde-protocols.md §7. With no links, host frames are dropped.
 *
 * <p>Optional duplicate suppression ({@code multi://DIR[dedup]} or {@code [dedup=MS]}, beyond vdeplug4): while two or
 * more links are attached (a hand-off overlap), a frame from a link is dropped when a byte-identical frame arrived
 * from a <em>different</em> link less than the window ago (default 200 ms). The first copy is delivered at once (no
 * added latency); a frame repeated on the same link (a retransmission) is delivered; with a single link nothing is
 * checked at all. Identity is a 64-bit hash of the whole frame in a direct-mapped table of 4096 recent frames (a
 * collision can only let a duplicate through, never drop a distinct frame unless two distinct frames hash equal within
 * the window). Suppressed copies are counted as drops on the link they arrived on.
 */
public final class MultiPolicy implements ForwardingPolicy {
    private static final int SLOTS = 4096;
    private final long windowNanos;
    private final long[] hashes;
    private final long[] times;
    private final int[] from;

    /** Plain vdeplug4 multi (no duplicate suppression). */
    public MultiPolicy() { this(0); }

    /** multi with duplicate suppression over {@code dedupMillis} ms (0 = off). */
    public MultiPolicy(int dedupMillis) {
        this.windowNanos = dedupMillis * 1_000_000L;
        this.hashes = dedupMillis > 0 ? new long[SLOTS] : null;
        this.times = dedupMillis > 0 ? new long[SLOTS] : null;
        this.from = dedupMillis > 0 ? new int[SLOTS] : null;
    }

    @Override
    public void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
        if (source != host) {
            if (hashes != null && ports.length > 1 && duplicate(source, frame)) {
                source.stats().dropped();
                return;
            }
            host.deliver(frame);
            return;
        }
        for (NetnodePort p : ports) p.deliver(frame);
    }

    private boolean duplicate(NetnodePort source, ByteBuffer frame) {
        long h = hash(frame);
        int slot = (int) (h ^ (h >>> 32)) & (SLOTS - 1);
        long now = System.nanoTime();
        if (hashes[slot] == h && now - times[slot] < windowNanos) {
            if (from[slot] != source.id()) return true;
        }
        hashes[slot] = h;
        times[slot] = now;
        from[slot] = source.id();
        return false;
    }

    /** A 64-bit hash of the frame's bytes (position..limit), 8 bytes per step; no allocation. */
    static long hash(ByteBuffer f) {
        int p = f.position();
        int end = f.limit();
        long h = 0x9E3779B97F4A7C15L ^ (end - p);
        while (p + 8 <= end) {
            h = mix(h ^ f.getLong(p));
            p += 8;
        }
        long tail = 0;
        for (int i = 0; p < end; p++, i += 8) tail |= (f.get(p) & 0xFFL) << i;
        return mix(h ^ tail);
    }

    private static long mix(long h) {
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 29);
    }
}
