package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * multi: a frame from a link goes to the host only (links are never bridged); a frame from the host is duplicated on
 * every link — the hand-off node of vde-protocols.md §7. With no links, host frames are dropped.
 */
public final class MultiPolicy implements ForwardingPolicy {
    @Override
    public void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
        if (source != host) {
            host.deliver(frame);
            return;
        }
        for (NetnodePort p : ports) p.deliver(frame);
    }
}
