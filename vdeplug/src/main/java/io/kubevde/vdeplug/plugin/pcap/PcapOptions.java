package io.kubevde.vdeplug.plugin.pcap;

import io.kubevde.vdeplug.vnl.NestedVnl;
import io.kubevde.vdeplug.vnl.VnlException;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The parsed {@code pcap://FILE[OPTIONS]} or {@code pcap://FILE[OPTIONS]{INNER-VNL}}
 * (vdeplug/README.md "pcap://"): family B options (vde-protocols.md §1.2), optionally before a
 * nested VNL in braces as {@code seal://} takes one.
 *
 * @param file the pcapng file to write (created or truncated): the path, or option {@code file=}
 * @param snaplen option {@code snaplen=N}: bytes kept of each frame (default 65535, 14..262144)
 * @param append option {@code append}: keep an existing file and add a new section to it
 * @param inner the nested VNL whose traffic is recorded; empty for a capture sink
 */
public record PcapOptions(Path file, int snaplen, boolean append, Optional<String> inner) {

  /** The option keys, in prefix-matching order. */
  public static final List<String> KEYS = List.of("file", "snaplen", "append");

  /** The syntax, for messages. */
  public static final String USAGE = "pcap://FILE[snaplen=N/append] or pcap://FILE[...]{VNL}";

  /** Default snapshot length in bytes (tcpdump's default is 262144; frames here are <= 9234). */
  public static final int DEFAULT_SNAPLEN = 65535;

  /**
   * Parses the argument of a {@code pcap://} VNL.
   *
   * @throws VnlException for a missing file, an unknown option, a bad number or bad braces
   */
  public static PcapOptions parse(String vnl, String argument) {
    Optional<NestedVnl> nest = NestedVnl.find(vnl, argument);
    String outer = nest.map(NestedVnl::outer).orElse(argument);
    VnlOptions o = VnlOptions.bracket(vnl, outer, KEYS, null);
    String file = o.get("file").filter(s -> !s.isEmpty()).orElse(o.address());
    if (file.isEmpty())
      throw new VnlException(vnl, "capture file", "missing (expected " + USAGE + ")");
    if (o.has("file") && !o.address().isEmpty()) {
      throw new VnlException(
          vnl, "capture file", "given twice (path '" + o.address() + "' and option 'file')");
    }
    int snaplen = o.intValue("snaplen", DEFAULT_SNAPLEN, 14, 262144);
    return new PcapOptions(Path.of(file), snaplen, o.has("append"), nest.map(NestedVnl::inner));
  }
}
