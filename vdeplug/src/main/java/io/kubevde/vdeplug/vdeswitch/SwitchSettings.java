package io.kubevde.vdeplug.vdeswitch;

import io.kubevde.vdeplug.netnode.PortLimits;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How a {@link VdeSwitch} starts: the {@code vde_switch} command line (vde-protocols.md §9.1).
 *
 * @param dir the ctl directory ({@code -s})
 * @param mgmt the console socket ({@code -M}), if any
 * @param hub hub mode ({@code -x})
 * @param mode permission bits of the ctl and data sockets ({@code -m}, default 0600)
 * @param dirMode permission bits of the directory ({@code --dirmode}); empty = derived from mode
 * @param group group owning the directory and sockets ({@code -g}), name or number
 * @param mgmtMode permission bits of the console socket ({@code --mgmtmode}, default 0600)
 * @param mgmtGroup group owning the console socket ({@code --mgmtgroup})
 * @param numPorts number of ports ({@code -n}, default 32: ports 1..31 for clients)
 * @param hashSize MAC table slots ({@code --hashsize}, default 128)
 * @param minPersistence anti-flap time in seconds (console {@code hash/setminper}; default 3)
 * @param limits every port's ingress policing and storm control ({@code --storm-pps}, {@code
 *     --police-pps}, {@code --police-bps}, {@code --burst-ms}; a kubevde extension)
 */
public record SwitchSettings(
    Path dir,
    Optional<Path> mgmt,
    boolean hub,
    int mode,
    Optional<Integer> dirMode,
    Optional<String> group,
    int mgmtMode,
    Optional<String> mgmtGroup,
    int numPorts,
    int hashSize,
    int minPersistence,
    PortLimits limits) {

  /** vde_switch 2.3.2's default minimum persistence of a MAC table entry: 3 s. */
  public static final int DEFAULT_MIN_PERSISTENCE = 3;

  public SwitchSettings {
    if (limits == null) limits = PortLimits.DEFAULT;
    if (numPorts < 2 || numPorts > 65535) {
      throw new IllegalArgumentException("numports must be 2..65535, got " + numPorts);
    }
    if (hashSize < 1 || hashSize > 1 << 24) {
      throw new IllegalArgumentException("hashsize must be 1..16777216, got " + hashSize);
    }
  }

  /** The defaults of vde_switch for {@code dir}, console on {@code mgmt} if given. */
  public static SwitchSettings defaults(Path dir, Optional<Path> mgmt, boolean hub) {
    return new SwitchSettings(
        dir,
        mgmt,
        hub,
        0600,
        Optional.empty(),
        Optional.empty(),
        0600,
        Optional.empty(),
        VdeSwitch.DEFAULT_PORTS,
        128,
        DEFAULT_MIN_PERSISTENCE,
        PortLimits.DEFAULT);
  }
}
