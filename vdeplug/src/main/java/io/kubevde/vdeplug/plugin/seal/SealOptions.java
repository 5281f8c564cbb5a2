package io.kubevde.vdeplug.plugin.seal;

import io.kubevde.vdeplug.vnl.NestedVnl;
import io.kubevde.vdeplug.vnl.VnlException;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * The parsed {@code seal://KEYFILE[OPTIONS]{INNER-VNL}} (vdeplug/README.md "seal://"): family B
 * options (vde-protocols.md §1.2) before a nested VNL in braces, like vdeplug4's agno.
 *
 * @param keyFile the key file ({@link KeyFile} format): the path, or option {@code key=FILE}
 * @param current option {@code current=ID}: seal with this key id instead of the file's current key
 * @param anyPermission option {@code anyperm}: accept a key file readable by group/others
 * @param senders option {@code senders=N}: replay windows remembered (default 4096)
 * @param inner the nested VNL the sealed frames travel through
 */
public record SealOptions(
    Path keyFile, OptionalInt current, boolean anyPermission, int senders, String inner) {

  /** The option keys, in prefix-matching order. */
  public static final List<String> KEYS = List.of("key", "current", "anyperm", "senders");

  /** The syntax, for messages. */
  public static final String USAGE = "seal://KEYFILE[current=ID/anyperm/senders=N]{INNER-VNL}";

  /** Default number of (key id, sender id) replay windows remembered. */
  public static final int DEFAULT_SENDERS = 4096;

  /**
   * Parses the argument of a {@code seal://} VNL.
   *
   * @throws VnlException for a missing nested VNL or key file, an unknown option or a bad number
   */
  public static SealOptions parse(String vnl, String argument) {
    NestedVnl nest = NestedVnl.require(vnl, argument, USAGE);
    VnlOptions o = VnlOptions.bracket(vnl, nest.outer(), KEYS, null);
    String file = o.get("key").filter(s -> !s.isEmpty()).orElse(o.address());
    if (file.isEmpty()) throw new VnlException(vnl, "key file", "missing (expected " + USAGE + ")");
    if (o.has("key") && !o.address().isEmpty()) {
      throw new VnlException(
          vnl, "key file", "given twice (path '" + o.address() + "' and option 'key')");
    }
    OptionalInt current =
        o.get("current")
            .filter(s -> !s.isEmpty())
            .map(s -> OptionalInt.of(o.intValue("current", 0, 0, 255)))
            .orElse(OptionalInt.empty());
    int senders = o.intValue("senders", DEFAULT_SENDERS, 1, 1 << 20);
    return new SealOptions(Path.of(file), current, o.has("anyperm"), senders, nest.inner());
  }
}
