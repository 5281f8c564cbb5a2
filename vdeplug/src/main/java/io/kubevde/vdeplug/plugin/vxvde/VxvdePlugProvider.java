package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/**
 * The {@code vxvde://[GROUP][/options]} scheme (vde-protocols.md §4.4); see {@link VxvdeConfig} for
 * the options.
 */
public final class VxvdePlugProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "vxvde";
  }

  /**
   * Opens a vxvde node.
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException for bad options
   * @throws IOException when the sockets cannot be set up
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    return VxvdePlug.open(VxvdeConfig.parse(vnl.text(), vnl.argument()));
  }
}
