package io.kubevde.vdeplug.plugin.vde;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.util.List;
import java.util.Optional;

/**
 * The options of a {@code vde://PATH[OPTIONS]} VNL (vde-protocols.md §1.2 family B, §3.4 step 1-3):
 * key table (positional) portgroup, {@code port}, {@code portgroup}, {@code group}, {@code mode}.
 *
 * @param path the switch directory as written (empty = default {@code /var/run/vde.ctl}, {@code
 *     /tmp/vde.ctl})
 * @param port the requested port: empty = any, 0 = management port 0 (REQ_NEW_PORT0), N &gt; 0 =
 *     port N
 * @param portgroup a non-numeric port group name (socket {@code <dir>/<name>} tried before {@code
 *     ctl}), if any
 * @param group group (name or number) that should own the client's data socket, if any
 * @param mode permission bits of the client's data socket (never 0: mode 0 becomes 0700, §12.8)
 */
public record VdeOptions(
    String path,
    Optional<Integer> port,
    Optional<String> portgroup,
    Optional<String> group,
    int mode) {
  /** The key table in matching order. */
  public static final List<String> KEYS = List.of("port", "portgroup", "group", "mode");

  /** Default data socket mode (vdeplug4 {@code vde_plug}): 0700. */
  public static final int DEFAULT_MODE = 0700;

  /**
   * Parses {@code vnl}'s argument; {@code args} supply group, mode and port when the VNL does not.
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException for an unknown key, a bad octal mode or a negative
   *     port
   */
  public static VdeOptions parse(Vnl vnl, OpenArgs args) {
    VnlOptions o = VnlOptions.bracket(vnl.text(), vnl.argument(), KEYS, "portgroup");
    String pg = o.get("port").or(() -> o.get("portgroup")).filter(s -> !s.isEmpty()).orElse(null);
    Optional<Integer> port = Optional.empty();
    Optional<String> name = Optional.empty();
    if (pg != null) {
      if (pg.chars().allMatch(Character::isDigit)) {
        try {
          port = Optional.of(Integer.parseInt(pg));
        } catch (NumberFormatException e) {
          throw o.bad("port", pg, "port number too large");
        }
        if (port.get() > 0xFFFFFF) throw o.bad("port", pg, "port number too large (max 16777215)");
      } else {
        name = Optional.of(pg);
      }
    } else if (args.port() > 0) {
      port = Optional.of(args.port());
    }
    Optional<String> group = o.get("group").filter(s -> !s.isEmpty()).or(args::group);
    int mode = o.octalValue("mode", args.mode().orElse(DEFAULT_MODE));
    if (mode == 0) mode = DEFAULT_MODE;
    return new VdeOptions(o.address(), port, name, group, mode);
  }
}
