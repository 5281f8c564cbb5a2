package io.kubevde.vdeplug.plugin.cmd;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;
import java.util.List;

/**
 * Provider of {@code cmd://COMMAND ARGS} ({@link CmdPlug}, vde-protocols.md §8); the argument is
 * split by {@link Argv}.
 */
public final class CmdProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "cmd";
  }

  /**
   * @throws VnlException when the command is empty or has an unclosed quote
   * @throws IOException when the command cannot be started
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    List<String> argv =
        Argv.split(vnl.argument())
            .orElseThrow(
                () ->
                    new VnlException(
                        vnl.text(), "command '" + vnl.argument() + "'", "unclosed quote"));
    if (argv.isEmpty())
      throw new VnlException(vnl.text(), "command", "empty command (expected cmd://COMMAND ARGS)");
    try {
      return CmdPlug.start(argv);
    } catch (IOException e) {
      throw new IOException("cmd: cannot start '" + argv.get(0) + "': " + e.getMessage(), e);
    }
  }
}
