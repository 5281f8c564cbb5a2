package io.kubevde.vdeplug;

import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;

/**
 * Opens plugs of one VNL scheme; the Java form of a vdeplug4 {@code libvdeplug_<scheme>.so}.
 * Implementations are found with {@link java.util.ServiceLoader} (list them in {@code
 * META-INF/services/io.kubevde.vdeplug.PlugProvider}), so third parties can add schemes.
 */
public interface PlugProvider {

  /** The scheme this provider serves, lower case, without {@code ://} (e.g. {@code "vxvde"}). */
  String scheme();

  /**
   * Opens a plug.
   *
   * @param vnl the parsed VNL; {@link Vnl#argument()} is the text after {@code scheme://}, and the
   *     provider parses its options with {@link io.kubevde.vdeplug.vnl.VnlOptions}
   * @param args the caller's open arguments
   * @throws io.kubevde.vdeplug.vnl.VnlException for a bad argument or option (the message names the
   *     bad part)
   * @throws IOException when the transport cannot be opened (the message says what and why)
   */
  Plug open(Vnl vnl, OpenArgs args) throws IOException;
}
