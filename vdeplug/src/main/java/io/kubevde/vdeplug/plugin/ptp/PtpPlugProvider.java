package io.kubevde.vdeplug.plugin.ptp;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/**
 * The {@code ptp://} scheme (vde-protocols.md §4.1): 4.0.1 datagram mode by default, HEAD seqpacket
 * mode by option.
 */
public final class PtpPlugProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "ptp";
  }

  /** Opens a {@link PtpDatagramPlug} or a {@link PtpSeqpacketPlug}; errors as theirs. */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    PtpOptions o = PtpOptions.parse(vnl, args);
    return o.seqpacket() ? PtpSeqpacketPlug.open(o) : PtpDatagramPlug.open(o);
  }
}
