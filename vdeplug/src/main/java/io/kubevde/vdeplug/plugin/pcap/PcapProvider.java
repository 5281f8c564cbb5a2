package io.kubevde.vdeplug.plugin.pcap;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;

/**
 * Provider of {@code pcap://FILE[OPTIONS]} and {@code pcap://FILE[OPTIONS]{INNER-VNL}} ({@link
 * PcapPlug}): parses the options, opens the inner VNL (if any) first, then creates the capture
 * file.
 */
public final class PcapProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "pcap";
  }

  /**
   * @throws io.kubevde.vdeplug.vnl.VnlException for a bad pcap argument or a bad inner VNL
   * @throws IOException when the inner plug cannot be opened or the file cannot be created
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    PcapOptions options = PcapOptions.parse(vnl.text(), vnl.argument());
    Optional<Plug> inner =
        options.inner().isPresent()
            ? Optional.of(Plugs.open(options.inner().get(), args))
            : Optional.empty();
    try {
      PcapngWriter writer = PcapngWriter.open(options.file(), options.snaplen(), options.append());
      return new PcapPlug(writer, inner, Clock.systemUTC());
    } catch (IOException | RuntimeException e) {
      if (inner.isPresent()) inner.get().close();
      throw e;
    }
  }
}
