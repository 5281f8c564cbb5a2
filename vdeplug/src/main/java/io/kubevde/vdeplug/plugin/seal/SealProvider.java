package io.kubevde.vdeplug.plugin.seal;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;
import java.security.SecureRandom;

/**
 * Provider of {@code seal://KEYFILE[OPTIONS]{INNER-VNL}} ({@link SealPlug}): parses the options,
 * reads the key file (before touching the network), opens the inner VNL with {@link Plugs#open} and
 * wraps it.
 */
public final class SealProvider implements PlugProvider {
  /** Created on first open, not when the registry loads every provider. */
  private static final class Random {
    static final SecureRandom INSTANCE = new SecureRandom();
  }

  @Override
  public String scheme() {
    return "seal";
  }

  /**
   * @throws io.kubevde.vdeplug.vnl.VnlException for a bad seal argument or a bad inner VNL
   * @throws IOException when the key file is unreadable, not private or invalid, or the inner plug
   *     cannot be opened
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    SealOptions options = SealOptions.parse(vnl.text(), vnl.argument());
    KeyFile.load(
        options.keyFile(),
        options.anyPermission(),
        options.current()); // fail before opening the inner plug
    Plug inner = Plugs.open(options.inner(), args);
    try {
      return new SealPlug(inner, options, Random.INSTANCE);
    } catch (IOException | RuntimeException e) {
      inner.close();
      throw e;
    }
  }
}
