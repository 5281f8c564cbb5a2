package io.kubevde.agent.dataplane;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.api.agent.AgentNetworkConfig;
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
 */
public final class DataPlane implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DataPlane.class);

  private final Path runDir;
  private final String selfAddress;
  private final String uplinkIf;
  private final KeyFiles keyFiles;
  private final SwitchLimits limits;
  private final Map<String, NetworkSwitch> switches = new ConcurrentHashMap<>();
  private final Map<AttachmentKey, AttachmentRecord> attached = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();

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
  public synchronized void apply(AgentNetworkConfig cfg) throws IOException {
    String keyFile = cfg.sealed() ? keyFiles.path(cfg.keySecret()).toString() : null;
    String uplink = cfg.uplinkDescription().toVnl(selfAddress, uplinkIf, keyFile);
    NetworkSwitch sw = switches.get(cfg.key());
    if (sw != null && sw.config().hub() == cfg.hub()) {
      sw.update(cfg, true, uplink);
      return;
    }
    if (sw != null) {
      switches.remove(cfg.key());
      sw.close();
    }
    switches.put(cfg.key(), NetworkSwitch.open(cfg, true, directoryOf(cfg.key()), uplink, limits));
    LOG.info(
        "network "
            + cfg.key()
            + ": "
            + (cfg.hub() ? "hub" : "switch")
            + " at "
            + directoryOf(cfg.key())
            + (uplink == null ? ", no uplink" : ", uplink " + uplink));
    reattach(
        cfg.key()); // a recreated switch, or a network back after its ConfigMap was deleted and
    // recreated
    listeners.forEach(Runnable::run);
  }

  /** Retries uplinks that are not up (heartbeat). */
  public void retryUplinks() {
    for (NetworkSwitch sw : networks()) sw.retryUplink();
  }

  /**
   * Stops the network's switch (its taps lose their port; the taps themselves stay in the pods and
   * stay listed in {@link #attachments}, and are re-attached if the network comes back).
   */
  public synchronized void remove(String key) {
    NetworkSwitch sw = switches.remove(key);
    if (sw != null) {
      sw.close();
      try {
        Files.deleteIfExists(directoryOf(key));
      } catch (IOException ignored) {
        // the netnode removed its sockets; a non-empty directory stays
      }
      LOG.info("network " + key + " removed");
      listeners.forEach(Runnable::run);
    }
  }

  /** The switch of {@code key}, if the network runs here. */
  public Optional<NetworkSwitch> network(String key) {
    return Optional.ofNullable(switches.get(key));
  }

  /** All running networks. */
  public Collection<NetworkSwitch> networks() {
    return List.copyOf(switches.values());
  }

  private synchronized NetworkSwitch switchFor(String key) throws IOException {
    NetworkSwitch sw = switches.get(key);
    if (sw == null) {
      sw = NetworkSwitch.open(AgentNetworkConfig.local(key), false, directoryOf(key), null, limits);
      switches.put(key, sw);
      LOG.info(
          "network " + key + ": local switch at " + directoryOf(key) + " (no operator config)");
      listeners.forEach(Runnable::run);
    }
    return sw;
  }

  /**
   * Opens the attachment's persistent tap by name inside its netns and adds it to its network's
   * switch.
   *
   * @throws IOException when the netns cannot be entered or the tap cannot be opened
   */
  public void attach(AttachmentRecord rec) throws IOException {
    String ifName = rec.key().ifName();
    TapDevice tap =
        Netns.call(
            rec.netns(), () -> TapDevice.attach(ifName)); // outside the lock: ADDs in parallel
    synchronized (
        this) { // no switch recreation between the lookup and the record (re-attach sees it)
      try {
        switchFor(rec.vdeNetwork()).attach(rec.key(), new TapPlug(tap));
      } catch (IOException | RuntimeException e) {
        tap.close();
        throw e;
      }
      attached.put(rec.key(), rec);
    }
  }

  /**
   * Removes the attachment's port (closing our tap fd); no-op when it has none. A switch made on
   * demand (no operator config) is pruned when this leaves it unused: no port at all (pods, links,
   * vde:// clients) and no attachment of its network.
   */
  public synchronized void detach(AttachmentKey key) {
    AttachmentRecord rec = attached.remove(key);
    if (rec == null) return;
    NetworkSwitch sw = switches.get(rec.vdeNetwork());
    if (sw == null) return;
    sw.detach(key);
    boolean unused =
        !sw.fromOperator()
            && sw.node().ports().isEmpty()
            && attached.values().stream().noneMatch(r -> r.vdeNetwork().equals(rec.vdeNetwork()));
    if (unused) {
      LOG.info("network " + rec.vdeNetwork() + ": on-demand switch unused, pruned");
      remove(rec.vdeNetwork());
    }
  }

  /** The attachments currently served (by network: {@code vdeNetwork}). */
  public List<AttachmentRecord> attachments() {
    return new ArrayList<>(attached.values());
  }

  /**
   * Re-attaches every given ready record (agent restart; architecture.md §6 "Restart").
   *
   * @return how many were re-attached
   */
  public int restore(Collection<AttachmentRecord> records) {
    int n = 0;
    for (AttachmentRecord rec : records) {
      if (!"ready".equals(rec.state())) continue;
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

  @Override
  public synchronized void close() {
    for (NetworkSwitch sw : switches.values()) sw.close();
    switches.clear();
    attached.clear();
  }
}
