package io.kubevde.agent.handover;

import io.kubevde.agent.dataplane.InheritedFds;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import io.kubevde.vdeplug.plugin.vxvde.VxvdeConfig;
import io.kubevde.vdeplug.plugin.vxvde.VxvdePlug;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The taps and uplink sockets received from the previous agent ({@link HandoverClient}), handed to
 * the data plane as it re-creates networks and re-attaches pods. A tap fd is adopted only after the
 * kernel confirms it is the tap of that name ({@link TapDevice#adopt}); an uplink only for the same
 * network and the same VNL (vxvde; other schemes are opened anew). {@link #closeUnclaimed} closes
 * what nobody took (a pod deleted meanwhile). Thread-safe.
 */
public final class ReceivedFds implements InheritedFds {
  private static final Logger LOG = LoggerFactory.getLogger(ReceivedFds.class);

  private final Map<AttachmentKey, Integer> taps = new HashMap<>();
  private final Map<String, HandoverMessage.Uplink> uplinks = new HashMap<>();
  private final int[] fds;
  private final boolean[] taken;
  private int tapsTaken;
  private int uplinksTaken;

  ReceivedFds(HandoverMessage.State state, int[] fds) {
    this.fds = fds.clone();
    this.taken = new boolean[fds.length];
    for (HandoverMessage.Tap t : state.taps()) taps.put(t.key(), t.fd());
    for (HandoverMessage.Uplink u : state.uplinks()) if (u.fds() > 0) uplinks.put(u.network(), u);
  }

  @Override
  public synchronized Optional<TapDevice> takeTap(AttachmentKey key) throws IOException {
    Integer i = taps.remove(key);
    if (i == null) return Optional.empty();
    taken[i] = true;
    try {
      TapDevice tap = TapDevice.adopt(fds[i], key.ifName());
      tapsTaken++;
      return Optional.of(tap);
    } catch (IOException e) {
      LibC.INSTANCE.close(fds[i]);
      throw e;
    }
  }

  @Override
  public synchronized Optional<Plug> takeUplink(String network, String vnl, String openVnl)
      throws IOException {
    HandoverMessage.Uplink u = uplinks.get(network);
    if (u == null || !u.vnl().equals(vnl)) return Optional.empty();
    Vnl parsed = Vnl.parse(openVnl);
    if (!parsed.scheme().equals("vxvde")) return Optional.empty();
    uplinks.remove(network);
    int g = u.firstFd();
    int un = u.fds() == 2 ? g + 1 : g; // one socket in unicast mode
    taken[g] = true;
    taken[un] = true;
    VxvdePlug p;
    try {
      p = VxvdePlug.adopt(VxvdeConfig.parse(parsed.text(), parsed.argument()), fds[g], fds[un]);
    } catch (IOException | RuntimeException e) {
      LibC.INSTANCE.close(fds[g]);
      if (un != g) LibC.INSTANCE.close(fds[un]);
      throw e;
    }
    uplinksTaken++;
    return Optional.of(p);
  }

  /** How many taps and uplinks the data plane took: {taps, uplinks}. */
  public synchronized int[] taken() {
    return new int[] {tapsTaken, uplinksTaken};
  }

  /** Closes every fd nobody took. */
  public synchronized void closeUnclaimed() {
    int n = 0;
    for (int i = 0; i < fds.length; i++) {
      if (!taken[i]) {
        LibC.INSTANCE.close(fds[i]);
        taken[i] = true;
        n++;
      }
    }
    if (n > 0) LOG.info("hand-over: closed " + n + " fd(s) no attachment or network claimed");
  }
}
