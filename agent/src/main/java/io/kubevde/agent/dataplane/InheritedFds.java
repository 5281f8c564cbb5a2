package io.kubevde.agent.dataplane;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import java.io.IOException;
import java.util.Optional;

/**
 * Open taps and uplink sockets a previous agent handed to this one (agent/README.md "Hand-over"):
 * the data plane takes them instead of opening the tap by name or binding a new socket, so no frame
 * queued in them is lost. Each is taken at most once; what was taken belongs to the caller.
 */
public interface InheritedFds {
  /** Nothing inherited: every tap and uplink is opened anew. */
  InheritedFds NONE =
      new InheritedFds() {
        @Override
        public Optional<TapDevice> takeTap(AttachmentKey key) {
          return Optional.empty();
        }

        @Override
        public Optional<Plug> takeUplink(String network, String vnl, String openVnl) {
          return Optional.empty();
        }
      };

  /**
   * The open tap of attachment {@code key}, if one was handed over.
   *
   * @throws IOException when the received fd cannot be used
   */
  Optional<TapDevice> takeTap(AttachmentKey key) throws IOException;

  /**
   * The uplink plug of network {@code network} ({@code <ns>/<name>}) built on the handed-over
   * sockets, if they were handed over for exactly this uplink {@code vnl}; the plug is configured
   * as {@code openVnl} says ({@code vnl} with the options this agent adds, e.g. {@code offload}).
   *
   * @throws IOException when the received fds cannot be used
   */
  Optional<Plug> takeUplink(String network, String vnl, String openVnl) throws IOException;
}
