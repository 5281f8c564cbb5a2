package io.kubevde.agent.dataplane;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;

/**
 * A plug that filters or rewrites the frames of another plug it owns (the VLAN edges, the uplink's
 * VLAN tag and egress guard): what is the same in all of them — the inner plug, this wrapper's own
 * counters (what it dropped or passed), and a hand-over that stops the inner plug's receiving
 * instead of closing it (a closed vxvde uplink would send its peers a goodbye from the sockets the
 * next agent reads). Closing the wrapper closes the inner plug.
 */
abstract sealed class WrapperPlug implements Plug
    permits GatewayGuardPlug, VlanPlug, PortVlanPlug, UntaggedPortPlug {
  /** The wrapped plug (owned). */
  protected final Plug inner;

  /** This wrapper's counters. */
  protected final PlugStats stats = new PlugStats();

  WrapperPlug(Plug inner) {
    this.inner = java.util.Objects.requireNonNull(inner, "inner");
  }

  /** This wrapper's counters (what it passed or dropped), not the inner plug's. */
  @Override
  public PlugStats stats() {
    return stats;
  }

  /** Stops the inner plug's receiving ({@link Plug#shutdownReceive}). */
  @Override
  public boolean shutdownReceive() {
    return inner.shutdownReceive();
  }

  /** Closes the inner plug. */
  @Override
  public void close() throws IOException {
    inner.close();
  }
}
