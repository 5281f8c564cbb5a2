package io.kubevde.vdeplug.plugin.ptp;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Options of {@code ptp://PATH} (vde-protocols.md §4.1). vdeplug4 passes the argument raw (no
 * options); we keep that for every argument without {@code [}, and accept one bracketed option list
 * (family B, §1.2) to choose the wire mode: {@code ptp://PATH[seqpacket]} is vdeplug4 HEAD's
 * SOCK_SEQPACKET protocol, {@code ptp://PATH} (or {@code [dgram]}) is Debian 4.0.1's pair of
 * datagram sockets {@code PATH} and {@code PATH+}. The two are mutually incompatible, exactly as
 * the C versions.
 *
 * @param path the rendezvous socket path
 * @param seqpacket true for the HEAD SOCK_SEQPACKET protocol
 * @param group group (name or number) owning the socket(s) we create, if any
 * @param mode permission bits of the socket(s) we create (default 0700)
 */
public record PtpOptions(Path path, boolean seqpacket, Optional<String> group, int mode) {
  /** Option keys in matching order. */
  public static final List<String> KEYS = List.of("seqpacket", "dgram", "mode", "group");

  /**
   * Parses the argument.
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException for an empty path, an unknown option, or both modes
   *     at once
   */
  public static PtpOptions parse(Vnl vnl, OpenArgs args) {
    String arg = vnl.argument();
    String path = arg;
    boolean seq = false;
    Optional<String> group = args.group();
    int mode = args.mode().filter(m -> m != 0).orElse(0700);
    if (arg.indexOf('[') >= 0) {
      VnlOptions o = VnlOptions.bracket(vnl.text(), arg, KEYS, null);
      path = o.address();
      seq = o.has("seqpacket");
      if (seq && o.has("dgram")) throw o.bad("seqpacket", "", "choose one of seqpacket and dgram");
      group = o.get("group").filter(s -> !s.isEmpty()).or(() -> args.group());
      int m = o.octalValue("mode", mode);
      mode = m == 0 ? 0700 : m;
    }
    if (path.isEmpty())
      throw new io.kubevde.vdeplug.vnl.VnlException(vnl.text(), "path", "ptp needs a socket path");
    return new PtpOptions(Path.of(path).toAbsolutePath(), seq, group, mode);
  }
}
