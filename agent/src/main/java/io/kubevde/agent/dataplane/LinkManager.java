package io.kubevde.agent.dataplane;

import io.kubevde.agent.model.LinkPolicy;
import io.kubevde.agent.model.LinkSpec;
import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The VdeLinks this node runs (architecture.md §4, §6). {@code single}: the path's plug is a port
 * of the network switch (a cable between the switch and the path VNL). {@code multi} / {@code
 * bonding}: an in-process {@code multi} netnode (with duplicate suppression, {@link
 * NetnodeConfig#DEFAULT_DEDUP_MS}) or {@code bonding} netnode (with link health, {@link
 * NetnodeConfig#DEFAULT_HEALTH_MS}) whose host side is a port of the network switch, each path a
 * port of it. An edit of the paths is applied as a diff: new paths are opened first, paths no
 * longer listed are closed after; unchanged paths keep running — so a hand-off (add the new path,
 * wait until it is up, remove the old one) loses no frame with multi + dedup. Links whose network
 * is not (yet) on this node wait for it. A path the {@link LinkPolicy} refuses (a scheme tenants
 * may not use, a foreign {@code vdenetwork://}) is never opened and is reported with its reason
 * ({@link PathState#refused}). A {@code vdenetwork://NS/NAME} path is a port pair between the
 * link's network switch and that network's switch on this node ({@link NetworkPeer}); it is Down
 * while that network does not run here and opens when it appears.
 *
 * <p>{@code single} with several paths: one path carries the link (the first at start). At each
 * {@link #heartbeat} the carrying path is judged: it has failed when its plug closed, it cannot
 * open, or in {@link #SILENT_CHECKS} heartbeats in a row frames were sent on it while none came
 * back (a UDP peer that went away answers nothing; two so that a reply still in flight at one
 * heartbeat is no failure). Then the next path in order takes over (opened before the failed one is
 * closed). With {@code failback} (the default) a link on a later path tries the first one again
 * every {@link #FAILBACK_RETRY}, and stays on it when it passes the next heartbeat's check (else it
 * fails over again). Only the carrying path is reported. Thread-safe (synchronized).
 */
public final class LinkManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LinkManager.class);

  /**
   * Status of one path on this node (what VdeNode status {@code links[]} reports).
   *
   * @param link the link key {@code <ns>/<name>}
   * @param path the path name
   * @param up whether the path's plug is open and attached
   * @param since when the path last changed state (ISO-8601)
   * @param stats the path port's counters (rx = frames from the far end), or null when down
   * @param refused why the {@link LinkPolicy} refuses to open the path (names the scheme and the
   *     policy), or null
   */
  public record PathState(
      String namespace,
      String link,
      String path,
      boolean up,
      String since,
      PlugStats stats,
      String refused) {}

  /** How long a {@code single} link stays on a later path before it tries its first path again. */
  public static final java.time.Duration FAILBACK_RETRY = java.time.Duration.ofSeconds(30);

  /**
   * Consecutive heartbeats with frames sent and none received after which a {@code single} path has
   * failed.
   */
  static final int SILENT_CHECKS = 2;

  private final DataPlane dataPlane;
  private java.time.Duration failbackRetry = FAILBACK_RETRY;

  /**
   * Sets how long a {@code single} link stays on a later path before trying the first again
   * (tests).
   */
  public synchronized void failbackRetry(java.time.Duration d) {
    failbackRetry = d;
  }

  private final Map<String, LinkSpec> desired = new LinkedHashMap<>();
  private final Map<String, Running> running = new LinkedHashMap<>();

  private static final class Running {
    LinkSpec spec;
    NetworkSwitch sw;
    Netnode group;
    int switchPort = -1;
    final Map<String, PathRun> paths = new LinkedHashMap<>();

    /**
     * {@code single}: index of the carrying path, and its counters at the last heartbeat (-1: not
     * judged yet).
     */
    int active;

    long rx = -1;
    long tx = -1;
    int silent;
    Instant switched = Instant.now();
  }

  private record PathRun(String vnl, Netnode node, int port, String since) {}

  private final Map<String, String> downSince = new LinkedHashMap<>();
  private final Map<String, String> refused = new LinkedHashMap<>();
  private final LinkPolicy policy;

  /**
   * @param dataPlane the switches links attach to
   * @param policy which paths may be opened
   */
  public LinkManager(DataPlane dataPlane, LinkPolicy policy) {
    this.dataPlane = dataPlane;
    this.policy = policy;
    dataPlane.onNetworksChanged(this::resync);
  }

  /** Creates or edits a link. */
  public synchronized void apply(LinkSpec spec) {
    desired.put(spec.key(), spec);
    reconcile(spec.key());
  }

  /** Stops a link (no-op when unknown). */
  public synchronized void remove(String key) {
    desired.remove(key);
    stop(key);
  }

  /**
   * Re-applies every link (after a network switch was created, recreated or removed; retries failed
   * paths).
   */
  public synchronized void resync() {
    for (String key : new ArrayList<>(running.keySet())) if (!desired.containsKey(key)) stop(key);
    for (String key : desired.keySet()) reconcile(key);
  }

  /**
   * The periodic check (the agent's heartbeat): judges each {@code single} link's carrying path,
   * fails over or back, then {@link #resync}s.
   */
  public synchronized void heartbeat() {
    for (String key : desired.keySet()) {
      Running r = running.get(key);
      LinkSpec spec = desired.get(key);
      if (r != null && "single".equals(spec.mode()) && spec.paths().size() > 1) judge(key, r, spec);
    }
    resync();
  }

  private void judge(String key, Running r, LinkSpec spec) {
    int n = spec.paths().size();
    if (r.active >= n) r.active = 0;
    LinkSpec.Path cur = spec.paths().get(r.active);
    PathRun run = r.paths.get(cur.name());
    boolean failed;
    if (run == null) {
      failed = downSince.containsKey(key + "/" + cur.name()); // it could not open
    } else {
      PlugStats st = stats(run);
      long tx = st == null ? 0 : st.txFrames() + st.droppedCount();
      boolean silent = st != null && r.tx >= 0 && tx > r.tx && st.rxFrames() == r.rx;
      r.silent = silent ? r.silent + 1 : 0;
      failed = st == null || r.silent >= SILENT_CHECKS;
      if (st != null) {
        r.rx = st.rxFrames();
        r.tx = tx;
      }
    }
    if (failed) {
      int next = (r.active + 1) % n;
      LOG.warn(
          "link "
              + key
              + ": path "
              + cur.name()
              + " failed (closed, not open, or nothing received); "
              + "switching to "
              + spec.paths().get(next).name());
      switchTo(r, next);
    } else if (spec.failback()
        && r.active != 0
        && java.time.Duration.between(r.switched, Instant.now()).compareTo(failbackRetry) >= 0) {
      LOG.info(
          "link " + key + ": trying the first path " + spec.paths().getFirst().name() + " again");
      switchTo(r, 0);
    }
  }

  private static void switchTo(Running r, int index) {
    r.active = index;
    r.rx = -1;
    r.tx = -1;
    r.silent = 0;
    r.switched = Instant.now();
  }

  private static PlugStats stats(PathRun run) {
    for (Netnode.PortInfo i : run.node().ports()) if (i.id() == run.port()) return i.stats();
    return null;
  }

  /**
   * @return the paths that run: all of them, or for {@code single} the carrying one
   */
  private static List<LinkSpec.Path> carrying(LinkSpec spec, Running r) {
    if (!"single".equals(spec.mode()) || spec.paths().isEmpty()) return spec.paths();
    int i = r == null || r.active >= spec.paths().size() ? 0 : r.active;
    return List.of(spec.paths().get(i));
  }

  private void stop(String key) {
    Running r = running.remove(key);
    if (r == null) return;
    if (r.group != null) {
      if (r.switchPort >= 0) r.sw.node().removePort(r.switchPort);
      r.group.close();
    } else {
      for (PathRun p : r.paths.values()) r.sw.node().removePort(p.port());
    }
    LOG.info("link " + key + " stopped");
  }

  private void reconcile(String key) {
    LinkSpec spec = desired.get(key);
    NetworkSwitch sw = dataPlane.network(spec.networkKey()).orElse(null);
    Running r = running.get(key);
    if (r != null && (r.sw != sw || !r.spec.mode().equals(spec.mode()))) {
      stop(key);
      r = null;
    }
    if (sw == null) return;
    if (r == null) {
      r = new Running();
      r.sw = sw;
      if (!"single".equals(spec.mode())) {
        try {
          NetnodeConfig c = NetnodeConfig.inProcess();
          r.group =
              "multi".equals(spec.mode())
                  ? Netnode.open(NetnodeKind.MULTI, c.withDedup(NetnodeConfig.DEFAULT_DEDUP_MS))
                  : Netnode.open(
                      NetnodeKind.BONDING, c.withHealth(NetnodeConfig.DEFAULT_HEALTH_MS));
          r.switchPort = sw.node().addPort(r.group, "link " + key);
        } catch (IOException e) {
          LOG.warn("link " + key + ": " + e.getMessage());
          return;
        }
      }
      running.put(key, r);
    }
    r.spec = spec;
    List<LinkSpec.Path> wanted = carrying(spec, r);
    Netnode target = r.group != null ? r.group : sw.node();
    // open new and changed paths first
    for (LinkSpec.Path p : wanted) {
      PathRun cur = r.paths.get(p.name());
      String pathKey = key + "/" + p.name();
      String why = policy.refusal(spec.namespace(), p.vnl());
      if (why != null) {
        if (cur != null) {
          cur.node().removePort(cur.port());
          r.paths.remove(p.name());
        }
        downSince.putIfAbsent(pathKey, Instant.now().toString());
        if (!why.equals(refused.put(pathKey, why)))
          LOG.warn("link " + key + ": path " + p.name() + " refused: " + why);
        continue;
      }
      refused.remove(pathKey);
      if (cur != null && cur.vnl().equals(p.vnl()) && alive(cur)) continue;
      if (cur != null) {
        cur.node().removePort(cur.port());
        r.paths.remove(p.name());
      }
      try {
        String vnl =
            NetworkPeer.names(p.vnl())
                ? NetworkPeer.parse(p.vnl()).localVnl(dataPlane, spec.networkKey())
                : p.vnl();
        Plug plug =
            Plugs.open(
                vnl,
                OpenArgs.DEFAULT.withDescription(
                    NetworkSwitch.LINK_DESCRIPTION_PREFIX + key + " " + p.name()));
        int id =
            target.addPort(plug, (r.group != null ? "path " : "link " + key + " path ") + p.name());
        r.paths.put(p.name(), new PathRun(p.vnl(), target, id, Instant.now().toString()));
        downSince.remove(key + "/" + p.name());
        LOG.info("link " + key + ": path " + p.name() + " up (" + p.vnl() + ")");
      } catch (IOException | RuntimeException e) {
        downSince.putIfAbsent(key + "/" + p.name(), Instant.now().toString());
        LOG.warn("link " + key + ": path " + p.name() + " (" + p.vnl() + "): " + e.getMessage());
      }
    }
    // then close paths no longer listed
    for (String name : new ArrayList<>(r.paths.keySet())) {
      if (wanted.stream().noneMatch(p -> p.name().equals(name))) {
        PathRun old = r.paths.remove(name);
        old.node().removePort(old.port());
        LOG.info("link " + key + ": path " + name + " removed");
      }
    }
  }

  private static boolean alive(PathRun p) {
    return p.node().ports().stream().anyMatch(i -> i.id() == p.port());
  }

  /** Per-path status of every desired link whose network runs here. */
  public synchronized List<PathState> status() {
    List<PathState> out = new ArrayList<>();
    for (LinkSpec spec : desired.values()) {
      Running r = running.get(spec.key());
      if (r == null) continue;
      for (LinkSpec.Path p : carrying(spec, r)) {
        PathRun run = r.paths.get(p.name());
        PlugStats stats = null;
        if (run != null) {
          for (Netnode.PortInfo i : run.node().ports()) if (i.id() == run.port()) stats = i.stats();
        }
        boolean up = stats != null;
        String since =
            up
                ? run.since()
                : Objects.requireNonNullElse(
                    downSince.get(spec.key() + "/" + p.name()),
                    run != null ? run.since() : Instant.now().toString());
        out.add(
            new PathState(
                spec.namespace(),
                spec.name(),
                p.name(),
                up,
                since,
                stats,
                up ? null : refused.get(spec.key() + "/" + p.name())));
      }
    }
    return out;
  }

  @Override
  public synchronized void close() {
    for (String key : new ArrayList<>(running.keySet())) stop(key);
    desired.clear();
  }
}
