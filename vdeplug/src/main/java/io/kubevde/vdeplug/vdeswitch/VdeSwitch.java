package io.kubevde.vdeplug.vdeswitch;

import io.kubevde.vdeplug.netnode.MacTable;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import io.kubevde.vdeplug.netnode.PortLimits;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * A vde-2 {@code vde_switch} built from the netnode engine (vde-protocols.md §9): the {@code
 * vde://} rendezvous of {@link Netnode} (C {@code vde_plug}, qemu and our own clients join with
 * {@code vde://DIR[N]}), the per-port VLAN forwarding of {@link VlanSwitchPolicy}, and the
 * management {@link SwitchConsole} on {@code mgmt}.
 *
 * <p>Differences from vde_switch 2.3.2: data sockets are named {@code fd<n>} (netnode style,
 * invisible to clients); the engine's host port is port 0 and receives nothing; several clients
 * requesting one port number become its "cables" (§9.2); the spanning tree is kubevde's ({@link
 * io.kubevde.vdeplug.netnode.LoopProtection}, one tree for all VLANs). Port admission (numports,
 * allocatable ports, per-port user/group access, same-user cables) and the anti-flap rule (minimum
 * persistence, default 3 s) follow vde_switch ({@link VlanSwitchPolicy#admit}). Every port has
 * ingress policing and storm control ({@link PortLimits}, a kubevde extension; default: flooded
 * frames limited to {@value PortLimits#DEFAULT_FLOOD_PPS}/s per port).
 */
public final class VdeSwitch implements AutoCloseable {
  /** vde_switch's defaults: 32 ports, 128 hash slots, entries expire after 100 s. */
  public static final int DEFAULT_PORTS = 32;

  private final Netnode node;
  private final VlanSwitchPolicy policy;
  private final SwitchConsole console;
  private final CountDownLatch stopped = new CountDownLatch(1);

  private VdeSwitch(Netnode node, VlanSwitchPolicy policy, SwitchConsole console) {
    this.node = node;
    this.policy = policy;
    this.console = console;
  }

  /**
   * Starts a switch serving {@code dir} (created, or reused when stale) with its console on {@code
   * mgmt} (if given).
   *
   * @param hub start in hub mode ({@code -x})
   * @throws IOException when the directory is in use or a socket cannot be created
   */
  public static VdeSwitch start(Path dir, Optional<Path> mgmt, boolean hub) throws IOException {
    return start(SwitchSettings.defaults(dir, mgmt, hub));
  }

  /**
   * Starts a switch with the given command-line settings.
   *
   * @throws IOException when the directory is in use, a socket cannot be created or a group does
   *     not exist
   */
  public static VdeSwitch start(SwitchSettings s) throws IOException {
    VlanSwitchPolicy policy = new VlanSwitchPolicy(s.hashSize(), 100, MacTable.SYSTEM_CLOCK);
    policy.setHub(s.hub());
    policy.setNumPorts(s.numPorts());
    policy.setMinPersistence(s.minPersistence());
    int mode = s.mode() & 07666 & ~0111;
    NetnodeConfig config =
        new NetnodeConfig(
            Optional.of(s.dir()),
            mode,
            s.dirMode().orElse(NetnodeConfig.dirModeFor(mode)),
            s.group(),
            NetnodeConfig.DEFAULT_HASHSIZE,
            0,
            NetnodeConfig.DEFAULT_EXPIRE,
            0,
            0,
            s.limits());
    Netnode node = Netnode.open(NetnodeKind.SWITCH, policy, config);
    VdeSwitch[] self = new VdeSwitch[1];
    SwitchConsole console = null;
    try {
      if (s.mgmt().isPresent()) {
        console =
            new SwitchConsole(
                node, policy, s.mgmt().get(), s.mgmtMode(), s.numPorts(), () -> self[0].close());
        if (s.mgmtGroup().isPresent()) {
          io.kubevde.vdeplug.unix.FilePermissions.chgrp(s.mgmt().get(), s.mgmtGroup().get());
        }
      }
    } catch (IOException | RuntimeException e) {
      if (console != null) console.close();
      node.close();
      throw e;
    }
    self[0] = new VdeSwitch(node, policy, console);
    return self[0];
  }

  /** The engine (ports, stats, in-process ports). */
  public Netnode node() {
    return node;
  }

  /** The VLAN configuration. */
  public VlanSwitchPolicy policy() {
    return policy;
  }

  /** The console, if one was started. */
  public Optional<SwitchConsole> console() {
    return Optional.ofNullable(console);
  }

  /** Blocks until {@link #close} (e.g. the console's {@code shutdown}). */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** Whether the switch has stopped. */
  public boolean stopped() {
    return stopped.getCount() == 0;
  }

  /** Stops the console and the switch, removing every socket and the directory. */
  @Override
  public void close() {
    if (stopped.getCount() == 0) return;
    try {
      if (console != null) console.close();
    } catch (IOException ignored) {
      // best effort
    }
    node.close();
    stopped.countDown();
  }
}
