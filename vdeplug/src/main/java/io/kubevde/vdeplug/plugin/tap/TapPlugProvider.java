package io.kubevde.vdeplug.plugin.tap;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;

/**
 * The {@code tap://NAME[/offload]} scheme (vde-protocols.md §5): the argument up to the first
 * {@code /} is the raw interface name (no decoding), truncated to 15 bytes; empty = the kernel
 * picks {@code tapN}. Linux interface names cannot contain {@code /}, so what follows it is an
 * option list: the only option is {@code offload} (a kubevde extension, offloads.md): the tap is
 * opened with {@code IFF_VNET_HDR} and TSO/USO offloads ({@link TapDevice#open(String, boolean)}).
 * Needs CAP_NET_ADMIN unless the tap was pre-created for the user.
 */
public final class TapPlugProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "tap";
  }

  /**
   * @throws VnlException for an option other than {@code offload}
   * @throws IOException when the tap cannot be created or attached (see {@link TapDevice#open})
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    String arg = vnl.argument();
    int slash = arg.indexOf('/');
    boolean offload = false;
    if (slash >= 0) {
      for (String opt : arg.substring(slash + 1).split("/")) {
        if (opt.equals("offload")) offload = true;
        else if (!opt.isEmpty())
          throw new VnlException(vnl.text(), "option '" + opt + "'", "unknown (tap takes offload)");
      }
      arg = arg.substring(0, slash);
    }
    return new TapPlug(TapDevice.open(arg, offload));
  }
}
