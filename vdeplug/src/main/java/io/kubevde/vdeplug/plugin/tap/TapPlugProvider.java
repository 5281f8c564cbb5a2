package io.kubevde.vdeplug.plugin.tap;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/**
 * The {@code tap://NAME} scheme (vde-protocols.md §5): the argument is the raw interface name (no
 * options, no decoding), truncated to 15 bytes; empty = the kernel picks {@code tapN}. Needs
 * CAP_NET_ADMIN unless the tap was pre-created for the user.
 */
public final class TapPlugProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "tap";
  }

  /**
   * @throws IOException when the tap cannot be created or attached (see {@link TapDevice#open})
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    return new TapPlug(TapDevice.open(vnl.argument()));
  }
}
