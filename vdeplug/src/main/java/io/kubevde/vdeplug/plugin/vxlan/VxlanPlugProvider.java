package io.kubevde.vdeplug.plugin.vxlan;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/**
 * The {@code vxlan://[GROUP][/options]} scheme (vde-protocols.md §4.3); options in {@link
 * VxlanConfig}.
 */
public final class VxlanPlugProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "vxlan";
  }

  /**
   * Opens a VXLAN endpoint.
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException for bad options
   * @throws IOException when the socket cannot be set up
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    return VxlanPlug.open(VxlanConfig.parse(vnl.text(), vnl.argument()));
  }
}
