package io.kubevde.agent;

import io.kubevde.agent.attach.AttachmentStore;
import io.kubevde.agent.attach.NetnsCheck;
import io.kubevde.agent.attach.TapAttachmentHandler;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.DataPlaneSettings;
import io.kubevde.agent.dataplane.InheritedFds;
import io.kubevde.agent.dataplane.Netns;
import io.kubevde.agent.dataplane.NetworkCache;
import io.kubevde.agent.handover.HandoverServer;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The crash path's fast start (agent/README.md "Crash path"): the data plane of the last run
 * brought back from node-local state before the command line is parsed and before anything of the
 * control plane (Kubernetes client, informers, metrics, CNI socket) is loaded. From the raw
 * arguments only {@code --state-dir} is read; the data plane is built from the {@link
 * DataPlaneSettings} the previous agent saved there, its switches (with their uplinks) from the
 * {@link NetworkCache} (Kubernetes mode), and every {@code ready} attachment record whose pod netns
 * is present gets its tap re-opened by name and attached. The agent then parses its flags and takes
 * this data plane over only when its settings are the saved ones ({@link #dataPlaneFor}); the
 * control plane starts on it and reconciles what went stale meanwhile (records of deleted pods,
 * networks deleted while no agent ran).
 *
 * <p>Nothing is done (the usual start follows) when the arguments ask for help, the version or a
 * subcommand, when there are no saved settings (first start) or they are not readable, or when an
 * agent is running and listening on the hand-over socket (its data plane is handed over in {@link
 * Agent#start}; opening its taps here would fail, and its uplink sockets must not be doubled).
 */
final class EarlyStart {
  private static final Logger LOG = LoggerFactory.getLogger(EarlyStart.class);
  private static final Set<String> NOT_A_RUN = Set.of("-h", "--help", "-V", "--version", "capture");

  private final DataPlaneSettings settings;
  private final DataPlane dataPlane;

  private EarlyStart(DataPlaneSettings settings, DataPlane dataPlane) {
    this.settings = settings;
    this.dataPlane = dataPlane;
  }

  /**
   * Restores the data plane from the state directory named by {@code args} ({@code --state-dir},
   * else {@code defaultStateDir}).
   *
   * @param args the agent's command line, unparsed
   * @return the restored data plane, or empty when the usual start must run instead (see the class
   *     doc)
   */
  static Optional<EarlyStart> tryStart(String[] args, Path defaultStateDir) {
    Path stateDir = defaultStateDir;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (NOT_A_RUN.contains(a)) return Optional.empty();
      if (a.equals("--state-dir") && i + 1 < args.length) stateDir = Path.of(args[i + 1]);
      else if (a.startsWith("--state-dir=")) stateDir = Path.of(a.substring(12));
    }
    Optional<DataPlaneSettings> saved =
        DataPlaneSettings.load(stateDir.resolve(DataPlaneSettings.FILE));
    if (saved.isEmpty()) return Optional.empty();
    DataPlaneSettings s = saved.get();
    Path handover = s.runDir().resolve(HandoverServer.SOCKET);
    if (listening(handover)) {
      LOG.info("an agent is running on " + handover + ": its data plane will be handed over");
      return Optional.empty();
    }
    // the cached configs are read (Jackson, the slowest part to load) on a second thread while
    // this one loads jnr-ffi and opens the taps: both cores work
    NetworkCache cache = new NetworkCache(stateDir.resolve("networks"));
    FutureTask<List<AgentNetworkConfig>> configs =
        new FutureTask<>(() -> s.cachedNetworks() ? cache.load() : List.of());
    Thread.ofPlatform().daemon().name("agent-early-cache").start(configs);
    PreopenedTaps taps = new PreopenedTaps();
    List<AttachmentRecord> records;
    try {
      records = new AttachmentStore(stateDir.resolve("attachments")).list();
    } catch (RuntimeException e) { // no attachments directory yet
      records = List.of();
    }
    List<AttachmentRecord> restorable = new ArrayList<>();
    for (AttachmentRecord rec : records) {
      // the records the control plane's restore keeps (TapAttachmentHandler.reconcile): ready, and
      // their netns not proven gone; UNKNOWN ones are left to it (retried, logged there)
      if (!"ready".equals(rec.state())) continue;
      if (NetnsCheck.state(rec.netns(), rec.pod().get(TapAttachmentHandler.NETNS_INODE))
          != NetnsCheck.State.PRESENT) continue;
      try {
        String ifName = rec.key().ifName();
        taps.put(rec.key(), Netns.call(rec.netns(), () -> DataPlane.attachPodTap(ifName)));
        restorable.add(rec);
      } catch (IOException | RuntimeException e) {
        LOG.warn("early re-attach of " + rec.key() + ": " + e.getMessage() + " (retried later)");
      }
    }
    DataPlane dp = s.newDataPlane();
    dp.inherit(taps);
    int networks = 0, attached = 0;
    try {
      for (AgentNetworkConfig n : configs.get()) {
        try {
          dp.apply(n);
          networks++;
        } catch (IOException | RuntimeException e) {
          LOG.warn("cached network " + n.key() + ": " + e.getMessage());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      LOG.warn("cached networks: " + e.getCause());
    }
    for (AttachmentRecord rec : restorable) {
      try {
        dp.attach(rec);
        attached++;
      } catch (IOException | RuntimeException e) {
        LOG.warn("early re-attach of " + rec.key() + ": " + e.getMessage() + " (retried later)");
      }
    }
    dp.inherit(null);
    taps.closeUnclaimed();
    StartupTimeline.mark(
        "data plane restored from "
            + stateDir
            + ": "
            + networks
            + " network(s), "
            + attached
            + " tap(s)");
    return Optional.of(new EarlyStart(s, dp));
  }

  /** Taps opened before the switches exist; {@link DataPlane#attach} takes them by key. */
  private static final class PreopenedTaps implements InheritedFds {
    private final Map<AttachmentKey, TapDevice> taps = new HashMap<>();

    synchronized void put(AttachmentKey key, TapDevice tap) {
      taps.put(key, tap);
    }

    @Override
    public synchronized Optional<TapDevice> takeTap(AttachmentKey key) {
      return Optional.ofNullable(taps.remove(key));
    }

    @Override
    public Optional<Plug> takeUplink(String network, String vnl, String openVnl) {
      return Optional.empty();
    }

    synchronized void closeUnclaimed() {
      taps.values().forEach(TapDevice::close);
      taps.clear();
    }
  }

  /**
   * Whether a socket is bound to {@code path} and alive ({@code /proc/net/unix}): a file left by a
   * killed agent is not listed. When the table cannot be read the answer is true (take the usual
   * start).
   */
  static boolean listening(Path path) {
    if (!Files.exists(path)) return false;
    String rel = " " + path;
    String abs = " " + path.toAbsolutePath().normalize();
    try {
      for (String line : Files.readAllLines(Path.of("/proc/net/unix"), StandardCharsets.UTF_8)) {
        if (line.endsWith(rel) || line.endsWith(abs)) return true;
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return true;
    }
  }

  /**
   * The restored data plane when the parsed flags give the same {@code wanted} settings it was
   * built with; otherwise it is closed (its taps stay, the usual start re-opens them) and null is
   * returned.
   */
  DataPlane dataPlaneFor(DataPlaneSettings wanted) {
    if (settings.equals(wanted)) return dataPlane;
    LOG.info("data plane flags changed since the last run: rebuilding the data plane");
    dataPlane.close();
    return null;
  }
}
