package io.kubevde.vdeplug.plugin.tap;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/** Provider of {@code tap://IFNAME} ({@link TapPlug}). */
public final class TapProvider implements PlugProvider {
    @Override
    public String scheme() { return "tap"; }

    /** Opens {@link TapPlug} on the VNL's argument (the interface name); throws IOException when TUNSETIFF fails. */
    @Override
    public Plug open(Vnl vnl, OpenArgs args) throws IOException { return TapPlug.open(vnl.argument()); }
}
