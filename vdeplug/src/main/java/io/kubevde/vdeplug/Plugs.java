package io.kubevde.vdeplug;

import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/**
 * The scheme registry and entry point: {@code Plugs.open("vxvde://239.1.2.3", OpenArgs.DEFAULT)},
 * the Java form of vdeplug4's {@code vde_open}. Providers are discovered once with {@link
 * ServiceLoader}.
 */
public final class Plugs {

  private static final Map<String, PlugProvider> PROVIDERS = load();

  private Plugs() {}

  private static Map<String, PlugProvider> load() {
    Map<String, PlugProvider> map = new TreeMap<>();
    for (PlugProvider p : ServiceLoader.load(PlugProvider.class, Plugs.class.getClassLoader())) {
      map.putIfAbsent(p.scheme().toLowerCase(Locale.ROOT), p);
    }
    return Map.copyOf(map);
  }

  /** The schemes that can be opened, sorted. */
  public static java.util.SortedSet<String> schemes() {
    return new java.util.TreeSet<>(PROVIDERS.keySet());
  }

  /**
   * Parses {@code vnl} (vde-protocols.md §1.1) and opens it.
   *
   * @throws VnlException for a bad VNL or an unknown scheme (vdeplug4's EPROTONOSUPPORT); the
   *     message names the part
   * @throws IOException when the transport cannot be opened
   */
  public static Plug open(String vnl, OpenArgs args) throws IOException {
    return open(Vnl.parse(vnl), args);
  }

  /** Opens an already parsed VNL. Errors as {@link #open(String, OpenArgs)}. */
  public static Plug open(Vnl vnl, OpenArgs args) throws IOException {
    PlugProvider provider = PROVIDERS.get(vnl.scheme().toLowerCase(Locale.ROOT));
    if (provider == null) {
      throw new VnlException(
          vnl.text(),
          "scheme '" + vnl.scheme() + "'",
          "unknown scheme (protocol not supported); known schemes: "
              + String.join(", ", schemes()));
    }
    return provider.open(vnl, args);
  }
}
