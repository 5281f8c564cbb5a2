package io.kubevde.vdeplug.plugin.vde;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/** The {@code vde://} scheme: a client port of a vde_switch or netnode (vde-protocols.md §3). */
public final class VdePlugProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "vde";
  }

  /** Opens a {@link VdeClientPlug}; errors as {@link VdeClientPlug#open}. */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    return VdeClientPlug.open(VdeOptions.parse(vnl, args), args.fullDescription());
  }
}
