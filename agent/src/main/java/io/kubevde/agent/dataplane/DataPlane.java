package io.kubevde.agent.dataplane;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import io.kubevde.vdeplug.plugin.tap.TapPlug;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's data plane: one {@link NetworkSwitch} per network present on the node, keyed {@code
 * <ns>/<name>}, and the pod taps attached to them. Networks come from the operator's ConfigMaps
 * ({@link #apply}/{@link #remove}); a CNI request naming a network the operator did not (yet)
 * describe gets a {@code local} switch on demand (no uplink), so the agent also works stand-alone.
 * Thread-safe.
 *
 * <p>Lock order (one for the whole agent): {@link LinkManager} → {@code DataPlane} → {@link
 * NetworkSwitch} → the netnode's lock. The {@link #onNetworksChanged} listeners (the LinkManager's
 * resync, which opens link paths and may wait seconds on a peer) therefore run <em>after</em> this
 * object's lock is released, never under it: a link path that hangs while opening must not hold up
 * the CNI ADDs and DELs of the node, and the LinkManager may call into the data plane while holding
 * its own lock.
 */
public final class DataPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataPlane.class);

  private final Path runDir;
  private final String selfAddress;
  private final String uplinkIf;
  private final KeyFiles keyFiles;
  private final SwitchLimits limits;
  private final int rendezvousMode;
  private final Map<String, NetworkSwitch> switches = new ConcurrentHashMap<>();
  private final Map<AttachmentKey, AttachmentRecord> attached = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Map<AttachmentKey, TapDevice> tapDevices = new ConcurrentHashMap<>();
  private volatile InheritedFds inherited = InheritedFds.NONE;
  private final EgressSettings egressSettings;
  private final EgressFirewall firewall;
  private final Map<String, Gateway> gateways = new ConcurrentHashMap<>();
  private final Map<String, String> gatewayErrors = new ConcurrentHashMap<>();

  /** A running gateway and its port on its network's switch. */
  private record Gateway(EgressGateway gateway, NetworkSwitch sw, int port) {}

  /** Set once this data plane handed its taps and uplinks to a successor agent. */
  private boolean handedOver;

  /**
   * @param runDir run directory; rendezvous directories are {@code runDir/net/<ns>/<name>}
   * @param selfAddress this node's underlay address (vxvde-unicast), or null
   * @param uplinkIf multicast interface for vxvde uplinks ({@code /if=}), or null for the routing
   *     table's choice
   */
  public DataPlane(Path runDir, String selfAddress, String uplinkIf) {
    this(runDir, selfAddress, uplinkIf, SwitchLimits.DEFAULT);
  }

  /**
   * As {@link #DataPlane(Path, String, String)}, every switch's ports with {@code limits} (ingress
   * policing and storm control).
   */
  public DataPlane(Path runDir, String selfAddress, String uplinkIf, SwitchLimits limits) {
    this(runDir, selfAddress, uplinkIf, limits, NetnodeConfig.DEFAULT_MODE);
  }

  /**
   * As {@link #DataPlane(Path, String, String, SwitchLimits)}, every rendezvous directory's sockets
   * with permission bits {@code rendezvousMode} ({@code 0600} by default: root only; {@code 0666}
   * when the device plugin hands the directories to containers that may run as any user).
   */
  public DataPlane(
      Path runDir, String selfAddress, String uplinkIf, SwitchLimits limits, int rendezvousMode) {
    this(runDir, selfAddress, uplinkIf, limits, rendezvousMode, EgressSettings.DEFAULT);
  }

  /**
   * As {@link #DataPlane(Path, String, String, SwitchLimits, int)}, egress gateways run with {@code
   * egress} (denied destinations, the node's netns).
   */
  public DataPlane(
      Path runDir,
      String selfAddress,
      String uplinkIf,
      SwitchLimits limits,
      int rendezvousMode,
      EgressSettings egress) {
    this.egressSettings = egress == null ? EgressSettings.DEFAULT : egress;
    this.firewall = new EgressFirewall(egressSettings);
    this.rendezvousMode = rendezvousMode & 0666;
    this.limits = limits;
    this.runDir = runDir;
    this.selfAddress = selfAddress;
    this.uplinkIf = uplinkIf;
    this.keyFiles = new KeyFiles(runDir.resolve("keys"));
  }

  /**
   * The key files of sealed networks ({@code <run-dir>/keys}), written from the operator's key
   * Secrets.
   */
  public KeyFiles keyFiles() {
    return keyFiles;
  }

  /**
   * Registers a callback run after a network is created or removed (links re-attach to new
   * switches).
   */
  public void onNetworksChanged(Runnable r) {
    listeners.add(r);
  }

  /**
   * Taps and uplink sockets handed over by a previous agent: later {@link #apply}s and {@link
   * #attach}es take them instead of opening new ones (agent/README.md "Hand-over").
   */
  public void inherit(InheritedFds fds) {
    this.inherited = fds == null ? InheritedFds.NONE : fds;
    if (fds == null) {
      // the switches built from handed-over fds are complete: let their ports read
      List<NetworkSwitch> all;
      synchronized (this) {
        all = new ArrayList<>(switches.values());
      }
      for (NetworkSwitch sw : all) sw.releaseReaders();
    }
  }

  /**
   * The open tap of every attached pod (for a hand-over to a new agent; the devices stay owned by
   * their switch ports).
   */
  public Map<AttachmentKey, TapDevice> openTaps() {
    return Map.copyOf(tapDevices);
  }

  /**
   * Runs {@code action} under this object's lock: no network is created or removed and no tap is
   * attached or detached meanwhile (a hand-over duplicates the open fds there).
   */
  public synchronized <T> T locked(java.util.function.Supplier<T> action) {
    return action.get();
  }

  /**
   * Quiesces the data plane before the switches are taken apart (hand-over: the new agent holds the
   * same taps and sockets): every port reader of every switch is stopped without closing its tap or
   * uplink socket, and first forwards the frame it already read while every switch is still whole
   * ({@link io.kubevde.vdeplug.netnode.Netnode#quiesce}). Frames arriving afterwards wait in the
   * kernel for the new agent; none that this agent read is lost.
   *
   * @return true when every reader stopped within {@code timeoutMs} (per switch)
   */
  public synchronized boolean stopReading(long timeoutMs) {
    handedOver = true; // the successor owns the egress table from now on: close() keeps it
    boolean all = true;
    for (NetworkSwitch sw : switches.values()) all &= sw.quiesce(timeoutMs);
    return all;
  }

  /** The rendezvous directory of network {@code key} ({@code <ns>/<name>}). */
  public Path directoryOf(String key) {
    Path p = runDir.resolve("net");
    for (String part : key.split("/")) {
      if (part.isEmpty() || part.equals(".") || part.equals(".."))
        throw new IllegalArgumentException("bad network name " + key);
      p = p.resolve(part);
    }
    return p;
  }

  /**
   * Creates or updates the network's switch from the operator's config; its uplink is this node's
   * VNL of the network's {@link io.kubevde.api.agent.Uplink} (a sealed network's wraps it in {@code
   * seal://} with the key file of its {@code keySecret}, see {@link KeyFiles}; until that file
   * exists the uplink is retried at each heartbeat). A switch/hub change recreates the switch and
   * re-attaches its taps.
   *
   * @throws IOException when the switch cannot be opened (an uplink failure is retried, see {@link
   *     NetworkSwitch})
   */
  public void apply(AgentNetworkConfig cfg) throws IOException {
    boolean created;
    synchronized (this) {
      created = applyLocked(cfg);
    }
    if (created) networksChanged();
  }

  /**
   * @return true when a switch was (re)created
   */
  private boolean applyLocked(AgentNetworkConfig cfg) throws IOException {
    String keyFile = cfg.sealed() ? keyFiles.path(cfg.keySecret()).toString() : null;
    String uplink = cfg.uplinkDescription().toVnl(selfAddress, uplinkIf, keyFile);
    NetworkSwitch sw = switches.get(cfg.key());
    if (sw != null && sw.config().hub() == cfg.hub()) {
      sw.update(cfg, true, uplink);
      syncGateway(cfg, sw);
      return false;
    }
    if (sw != null) {
      switches.remove(cfg.key());
      sw.close();
    }
    NetworkSwitch opened =
        NetworkSwitch.open(
            cfg, true, directoryOf(cfg.key()), uplink, limits, inherited, rendezvousMode);
    switches.put(cfg.key(), opened);
    syncGateway(cfg, opened);
    LOG.info(
        "network "
            + cfg.key()
            + ": "
            + (cfg.hub() ? "hub" : "switch")
            + " at "
            + directoryOf(cfg.key())
            + (uplink == null ? ", no uplink" : ", uplink " + uplink));
    // a recreated switch, or a network back after its ConfigMap was deleted and recreated
    reattach(cfg.key());
    return true;
  }

  /** Runs the listeners; never called with this object's lock held (see the class doc). */
  private void networksChanged() {
    if (Thread.holdsLock(this)) throw new IllegalStateException("listeners run under the lock");
    listeners.forEach(Runnable::run);
  }

  /** Retries uplinks that are not up and egress gateways that could not be made (heartbeat). */
  public void retryUplinks() {
    for (NetworkSwitch sw : networks()) sw.retryUplink();
    synchronized (this) {
      for (String key : List.copyOf(gatewayErrors.keySet())) {
        NetworkSwitch sw = switches.get(key);
        if (sw == null) gatewayErrors.remove(key);
        else syncGateway(sw.config(), sw);
      }
    }
  }

  /**
   * Why the network's egress gateway is not running on this node (the last failure, retried at each
   * {@link #retryUplinks}), or empty when it runs or the network has no egress.
   */
  public Optional<String> egressError(String key) {
    return Optional.ofNullable(gatewayErrors.get(key)).map(e -> "egress gateway: " + e);
  }

  /**
   * Stops the network's switch (its taps lose their port; the taps themselves stay in the pods and
   * stay listed in {@link #attachments}, and are re-attached if the network comes back).
   */
  public void remove(String key) {
    boolean removed;
    synchronized (this) {
      removed = removeLocked(key);
    }
    if (removed) networksChanged();
  }

  private boolean removeLocked(String key) {
    NetworkSwitch sw = switches.remove(key);
    if (gateways.containsKey(key)) {
      closeGateway(key);
      syncFirewall();
    }
    gatewayErrors.remove(key);
    if (sw != null) {
      sw.close();
      try {
        Files.deleteIfExists(directoryOf(key));
      } catch (IOException ignored) {
        // the netnode removed its sockets; a non-empty directory stays
      }
      LOG.info("network " + key + " removed");
      return true;
    }
    return false;
  }

  /** The switch of {@code key}, if the network runs here. */
  public Optional<NetworkSwitch> network(String key) {
    return Optional.ofNullable(switches.get(key));
  }

  /** All running networks. */
  public Collection<NetworkSwitch> networks() {
    return List.copyOf(switches.values());
  }

  /**
   * The switch of {@code key}, a local one made on demand when none runs (caller holds the lock).
   */
  private NetworkSwitch switchFor(String key, boolean[] created) throws IOException {
    NetworkSwitch sw = switches.get(key);
    if (sw == null) {
      sw =
          NetworkSwitch.open(
              AgentNetworkConfig.local(key),
              false,
              directoryOf(key),
              null,
              limits,
              inherited, // no uplink to take; holds the readers during a hand-over
              rendezvousMode);
      switches.put(key, sw);
      LOG.info(
          "network " + key + ": local switch at " + directoryOf(key) + " (no operator config)");
      created[0] = true;
    }
    return sw;
  }

  /**
   * Opens the attachment's persistent tap by name inside its netns and adds it to its network's
   * switch: an access or trunk port ({@link PortVlanPlug}) when the record has VLANs, else a plain
   * port in no VLAN ({@link UntaggedPortPlug}: tagged frames neither enter nor leave it).
   *
   * @throws IOException when the netns cannot be entered or the tap cannot be opened
   */
  public void attach(AttachmentRecord rec) throws IOException {
    String ifName = rec.key().ifName();
    TapDevice handed = inherited.takeTap(rec.key()).orElse(null);
    TapDevice tap =
        handed != null
            ? handed
            : Netns.call(
                rec.netns(), () -> attachPodTap(ifName)); // outside the lock: ADDs in parallel
    boolean[] created = {false};
    try {
      // no switch recreation between the lookup and the record (re-attach sees it)
      synchronized (this) {
        try {
          Plug port = new TapPlug(tap);
          port =
              rec.vlans() != null
                  ? new PortVlanPlug(port, rec.vlans())
                  : new UntaggedPortPlug(port);
          switchFor(rec.vdeNetwork(), created).attach(rec.key(), port);
        } catch (IOException | RuntimeException e) {
          tap.close();
          throw e;
        }
        attached.put(rec.key(), rec);
        tapDevices.put(rec.key(), tap);
      }
    } finally {
      // a re-attach inside apply (lock held) never creates a switch: apply made it and notifies
      if (created[0] && !Thread.holdsLock(this)) networksChanged();
    }
  }

  /**
   * Opens a pod's persistent tap {@code ifName} in the calling thread's netns with {@code
   * IFF_VNET_HDR} and offloads (CSUM, TSO4/6, USO4/6 where the kernel has it; offloads.md §1): the
   * pod's kernel hands the switch 64 KiB super-frames and takes coalesced ones (issue 14). Where
   * the kernel refuses TUNSETOFFLOAD the tap is opened without offloads (logged).
   *
   * @throws IOException when there is no such interface or it cannot be opened
   */
  public static TapDevice attachPodTap(String ifName) throws IOException {
    TapDevice tap = TapDevice.attachPreferringOffload(ifName);
    if (!tap.vnetHeader())
      LOG.warn("tap " + ifName + ": the kernel refused TUNSETOFFLOAD; opened without offloads");
    return tap;
  }

  /**
   * Removes the attachment's port (closing our tap fd); no-op when it has none. A switch made on
   * demand (no operator config) is pruned when this leaves it unused: no port at all (pods, links,
   * vde:// clients) and no attachment of its network.
   */
  public void detach(AttachmentKey key) {
    boolean pruned;
    synchronized (this) {
      pruned = detachLocked(key);
    }
    if (pruned) networksChanged();
  }

  /**
   * @return true when an on-demand switch was pruned
   */
  private boolean detachLocked(AttachmentKey key) {
    AttachmentRecord rec = attached.remove(key);
    tapDevices.remove(key);
    if (rec == null) return false;
    NetworkSwitch sw = switches.get(rec.vdeNetwork());
    if (sw == null) return false;
    sw.detach(key);
    boolean unused =
        !sw.fromOperator()
            && sw.node().ports().isEmpty()
            && attached.values().stream().noneMatch(r -> r.vdeNetwork().equals(rec.vdeNetwork()));
    if (unused) {
      LOG.info("network " + rec.vdeNetwork() + ": on-demand switch unused, pruned");
      return removeLocked(rec.vdeNetwork());
    }
    return false;
  }

  /** Whether the attachment has a switch port (its tap is open here). */
  public boolean attached(AttachmentKey key) {
    return attached.containsKey(key);
  }

  /** The attachments currently served (by network: {@code vdeNetwork}). */
  public List<AttachmentRecord> attachments() {
    return new ArrayList<>(attached.values());
  }

  /**
   * Re-attaches every given ready record that is not attached yet (agent restart; architecture.md
   * §6 "Restart").
   *
   * @return how many were re-attached
   */
  public int restore(Collection<AttachmentRecord> records) {
    int n = 0;
    for (AttachmentRecord rec : records) {
      // attached already: restored early (crash path) or by a concurrent ADD; never a second tap fd
      if (!"ready".equals(rec.state()) || attached.containsKey(rec.key())) continue;
      try {
        attach(rec);
        n++;
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot re-attach " + rec.key() + " in " + rec.netns() + ": " + e.getMessage());
      }
    }
    return n;
  }

  private void reattach(String key) {
    for (AttachmentRecord rec : attachments()) {
      if (!rec.vdeNetwork().equals(key)) continue;
      attached.remove(rec.key());
      try {
        attach(rec);
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot re-attach " + rec.key() + ": " + e.getMessage());
      }
    }
  }

  /**
   * Makes the network's egress gateway match {@code cfg} on switch {@code sw} (caller holds the
   * lock): opens it when the network has egress ({@link AgentNetworkConfig#egressNat()}), replaces
   * it when its address, subnet or switch changed, closes it when egress is off, then syncs the
   * firewall. A gateway that cannot be made is logged and retried at the next apply; the network
   * runs without it.
   */
  private void syncGateway(AgentNetworkConfig cfg, NetworkSwitch sw) {
    Gateway g = gateways.get(cfg.key());
    boolean changed = false;
    if (g != null && (!g.gateway().serves(cfg) || g.sw() != sw)) {
      closeGateway(cfg.key());
      changed = true;
      g = null;
    }
    if (g == null && cfg.egressNat()) {
      EgressGateway gw = null;
      try {
        gw = EgressGateway.open(cfg, egressSettings.nodeNetns(), mtuOf(cfg));
        gateways.put(cfg.key(), new Gateway(gw, sw, sw.addGatewayPort(gw)));
        changed = true;
        gatewayErrors.remove(cfg.key());
      } catch (IOException | RuntimeException e) {
        if (gw != null) gw.close();
        String why = String.valueOf(e.getMessage());
        if (!why.equals(gatewayErrors.put(cfg.key(), why)))
          LOG.warn("network " + cfg.key() + ": cannot open its egress gateway: " + why);
      }
    }
    if (!cfg.egressNat()) gatewayErrors.remove(cfg.key());
    if (changed) syncFirewall();
  }

  private static int mtuOf(AgentNetworkConfig cfg) {
    return cfg.mtu() != null ? cfg.mtu() : io.kubevde.api.v1alpha1.VdeNetworkSpec.DEFAULT_MTU;
  }

  private void closeGateway(String key) {
    Gateway g = gateways.remove(key);
    if (g == null) return;
    g.sw().removeGatewayPort(g.port());
    g.gateway().close();
    LOG.info("network " + key + ": egress gateway " + g.gateway().ifName() + " removed");
  }

  private void syncFirewall() {
    try {
      firewall.sync(gateways.values().stream().map(Gateway::gateway).toList());
    } catch (IOException e) {
      LOG.warn("egress: cannot apply the nftables rules: " + e.getMessage());
    }
  }

  /**
   * Deletes the egress table a previous agent left (a crash: its gateway taps went with it) when
   * this agent runs no gateway yet and {@code nft} is installed; failures are logged.
   */
  public synchronized void removeStaleEgressRules() {
    if (!gateways.isEmpty() || !EgressFirewall.installed()) return;
    try {
      firewall.clear();
    } catch (IOException e) {
      LOG.warn(
          "egress: cannot delete a stale table " + EgressFirewall.TABLE + ": " + e.getMessage());
    }
  }

  /** The egress gateways running on this node, by network key. */
  public Map<String, EgressGateway> egressGateways() {
    Map<String, EgressGateway> out = new java.util.TreeMap<>();
    gateways.forEach((k, g) -> out.put(k, g.gateway()));
    return out;
  }

  @Override
  public synchronized void close() {
    boolean hadGateways = !gateways.isEmpty();
    for (String key : List.copyOf(gateways.keySet())) closeGateway(key);
    if (hadGateways && !handedOver) {
      try {
        firewall.clear();
      } catch (IOException e) {
        LOG.warn("egress: cannot delete table " + EgressFirewall.TABLE + ": " + e.getMessage());
      }
    }
    for (NetworkSwitch sw : switches.values()) sw.close();
    switches.clear();
    attached.clear();
    tapDevices.clear();
  }
}
