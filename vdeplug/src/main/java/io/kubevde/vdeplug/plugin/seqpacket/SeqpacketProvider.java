package io.kubevde.vdeplug.plugin.seqpacket;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugProvider;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;

/** Provider of {@code seqpacket://FD} ({@link SeqpacketPlug}, vde-protocols.md §8). */
public final class SeqpacketProvider implements PlugProvider {
  @Override
  public String scheme() {
    return "seqpacket";
  }

  /**
   * Parses FD like C {@code strtol(base 0)}: decimal, {@code 0x} hex or {@code 0} octal.
   *
   * @throws VnlException when FD is not a number
   * @throws IOException when the fd is not open
   */
  @Override
  public Plug open(Vnl vnl, OpenArgs args) throws IOException {
    return new SeqpacketPlug(parseFd(vnl.text(), vnl.argument()));
  }

  /** FD as C {@code strtol(s, NULL, 0)} but strict: the whole text must be the number. */
  static int parseFd(String vnl, String s) {
    String t = s.trim();
    try {
      long v;
      if (t.startsWith("0x") || t.startsWith("0X")) v = Long.parseLong(t.substring(2), 16);
      else if (t.length() > 1 && t.startsWith("0")) v = Long.parseLong(t.substring(1), 8);
      else v = Long.parseLong(t);
      if (v >= 0 && v <= Integer.MAX_VALUE) return (int) v;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new VnlException(
        vnl, "fd '" + s + "'", "not a file descriptor number (expected seqpacket://FD)");
  }
}
