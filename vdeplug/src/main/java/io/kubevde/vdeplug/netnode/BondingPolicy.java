package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * bonding: a frame from a link goes to the host only; each frame from the host goes to ONE link, round-robin over the
 * current links (broadcasts too), starting like vdeplug4 at index 1 (vde-protocols.md §6.2, §7). No health checks yet:
 * a link leaves only when its connection closes.
 */
public final class BondingPolicy implements ForwardingPolicy {
    private long next;

    @Override
    public void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
        if (source != host) {
            host.deliver(frame);
            return;
        }
        if (ports.length == 0) {
            host.stats().dropped();
            return;
        }
        next++;
        ports[(int) (next % ports.length)].deliver(frame);
    }
}
