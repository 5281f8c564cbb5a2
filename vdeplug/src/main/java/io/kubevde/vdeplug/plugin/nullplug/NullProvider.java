package io.kubevde.vdeplug.plugin.nullplug;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;

/**
 * Provider of {@code null://} ({@link NullPlug}); the package is {@code nullplug} because {@code
 * null} is a Java keyword.
 */
public final class NullProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "null";
  }

  /** Opens a {@link NullPlug}; never fails. */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) {
    return new NullPlug();
  }
}
