package io.kubevde.vdeplug.netnode;

import java.nio.ByteBuffer;

/**
 * hub: a frame from a port goes to every other port and the host; a frame from the host to every
 * port (§6.2). Storm control ({@link PortLimits}) applies to broadcast and multicast frames only.
 */
public final class HubPolicy implements ForwardingPolicy {
  @Override
  public void forward(NetnodePort source, ByteBuffer frame, NetnodePort[] ports, NetnodePort host) {
    if ((frame.get(frame.position()) & 1) != 0 && !source.admitFlood(frame)) return;
    for (NetnodePort p : ports) if (p != source) p.deliver(frame);
    if (source != host) host.deliver(frame);
  }
}
