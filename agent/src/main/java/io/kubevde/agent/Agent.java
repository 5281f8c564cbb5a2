package io.kubevde.agent;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.kubevde.agent.attach.AttachmentStore;
import io.kubevde.agent.attach.ChainedAttachmentHandler;
import io.kubevde.agent.attach.NamespaceAccess;
import io.kubevde.agent.attach.SwitchingAttachmentHandler;
import io.kubevde.agent.attach.TapAttachmentHandler;
import io.kubevde.agent.capture.CaptureServer;
import io.kubevde.agent.cni.CniServer;
import io.kubevde.agent.console.ConsoleServer;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.DataPlaneSettings;
import io.kubevde.agent.dataplane.LinkManager;
import io.kubevde.agent.dataplane.NetworkCache;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.device.DevicePluginManager;
import io.kubevde.agent.handover.HandoverClient;
import io.kubevde.agent.handover.HandoverServer;
import io.kubevde.agent.handover.ReceivedFds;
import io.kubevde.agent.http.HttpEndpoints;
import io.kubevde.agent.ipam.IpAllocator;
import io.kubevde.agent.kube.KubeAddressReservations;
import io.kubevde.agent.kube.KubeNetworkStatusWriter;
import io.kubevde.agent.kube.KubePodLookup;
import io.kubevde.agent.kube.LinkEvents;
import io.kubevde.agent.kube.LinkWatcher;
import io.kubevde.agent.kube.NetworkConfigWatcher;
import io.kubevde.agent.kube.NetworkKeyWatcher;
import io.kubevde.agent.kube.VdeNodeReporter;
import io.kubevde.agent.metrics.AgentMetrics;
import io.kubevde.agent.metrics.MeteredHandler;
import io.kubevde.agent.model.AgentVersion;
import io.kubevde.api.agent.AgentNetworkConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node agent's core (architecture.md §6), without the command line: the data plane ({@link
 * DataPlane}, {@link LinkManager}), the CNI server, metrics and health endpoints and, when {@link
 * AgentConfig#kubernetes()}, the Kubernetes side (ConfigMap and VdeLink informers, the VdeNode
 * status heartbeat). {@link #start} restores the attachments of a previous run; {@link #close}
 * stops everything but leaves the pods' taps (persistent) in place.
 */
public final class Agent implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

  /** How long a new agent waits for each answer of its predecessor during a hand-over. */
  static final long HANDOVER_TIMEOUT_MS = 10_000;

  private final AgentConfig cfg;
  private final AttachmentStore store;
  private final DataPlane dataPlane;
  private final LinkManager links;
  private final SwitchingAttachmentHandler handler;
  private final TapAttachmentHandler taps;
  private final ChainedAttachmentHandler chained;
  private final AgentMetrics metrics;
  private final CniServer server;
  private final CaptureServer capture;
  private final ConsoleServer console;
  private final DevicePluginManager devicePlugins;
  private KubernetesClient client;
  private NetworkConfigWatcher networkWatcher;
  private NetworkKeyWatcher keyWatcher;
  private LinkWatcher linkWatcher;
  private VdeNodeReporter reporter;
  private LinkEvents linkEvents;
  private HttpEndpoints http;
  private volatile List<HttpEndpoints.Check> readyChecks = List.of();
  private ScheduledExecutorService heartbeat;
  private ScheduledExecutorService reconciler;
  private HandoverServer handover;
  private final CompletableFuture<Void> handedOver = new CompletableFuture<>();
  private volatile boolean closed;

  /** Builds the agent (nothing runs until {@link #start}). */
  public Agent(AgentConfig cfg) {
    this(cfg, null);
  }

  /**
   * Builds the agent on a data plane already restored from node-local state ({@link EarlyStart},
   * built with {@link AgentConfig#dataPlaneSettings}), or on a new one when {@code restored} is
   * null (nothing runs until {@link #start}).
   */
  Agent(AgentConfig cfg, DataPlane restored) {
    this.cfg = cfg;
    this.store = new AttachmentStore(cfg.stateDir().resolve("attachments"));
    this.dataPlane = restored != null ? restored : cfg.dataPlaneSettings().newDataPlane();
    this.links = new LinkManager(dataPlane, cfg.linkPolicy());
    this.taps =
        new TapAttachmentHandler(
            store, new IpAllocator(cfg.stateDir().resolve("ipam")), 30_000, cfg.underlayMtu() - 50);
    this.handler =
        new SwitchingAttachmentHandler(
            taps,
            store,
            dataPlane,
            cfg.nodeName(),
            cfg.kubernetes() ? cfg.networkWaitMs() : -1,
            new NamespaceAccess(!cfg.kubernetes()));
    this.chained = new ChainedAttachmentHandler(handler, store, null);
    this.metrics = new AgentMetrics(cfg.nodeName(), AgentVersion.VERSION, dataPlane, links);
    metrics.attachments(handler);
    this.server = new CniServer(cfg.cniSocket(), new MeteredHandler(chained, metrics));
    this.capture = new CaptureServer(cfg.runDir().resolve("capture.sock"), dataPlane);
    this.console = new ConsoleServer(cfg.runDir().resolve("console.sock"), dataPlane);
    this.devicePlugins =
        cfg.devicePluginDir() == null
            ? null
            : new DevicePluginManager(
                cfg.devicePluginDir(), dataPlane, DevicePluginManager.DEFAULT_DEVICES, 5_000);
  }

  /**
   * Brings back the networks of the last run from the {@link NetworkCache} (Kubernetes mode),
   * restores attachments (dropping stale records, re-attaching the rest), serves the CNI socket,
   * then starts the Kubernetes side (informers update the networks; once synced, cached networks
   * whose ConfigMap is gone are removed), the HTTP endpoints and the heartbeat.
   *
   * @throws IOException when the socket or a port cannot be served
   */
  public void start() throws IOException {
    StartupTimeline.mark("agent start");
    Files.createDirectories(cfg.runDir());
    // a running predecessor hands over its taps and uplink sockets first (agent/README.md
    // "Hand-over"), and has freed the CNI socket, ports and rendezvous when this returns
    ReceivedFds received =
        HandoverClient.takeOver(cfg.runDir().resolve(HandoverServer.SOCKET), HANDOVER_TIMEOUT_MS)
            .orElse(null);
    if (received != null) dataPlane.inherit(received);
    StartupTimeline.mark(received != null ? "hand-over received" : "no predecessor to take over");
    // egress rules of a previous run whose gateways are gone (the cached networks below and the
    // ConfigMaps put back what is still wanted)
    if (cfg.kubernetes() || cfg.egress().nodeNetns() != null) dataPlane.removeStaleEgressRules();
    NetworkCache cache = new NetworkCache(cfg.stateDir().resolve("networks"));
    if (cfg.kubernetes()) {
      // the switches of the last run first (with their uplinks), so traffic resumes before the API
      // answers
      for (AgentNetworkConfig n : cache.load()) {
        try {
          dataPlane.apply(n);
        } catch (IOException | RuntimeException e) {
          LOG.warn("cached network " + n.key() + ": " + e.getMessage());
        }
      }
    }
    StartupTimeline.mark("cached networks applied");
    int[] r = handler.restore();
    StartupTimeline.mark("attachments restored");
    if (r[0] > 0 || r[1] > 0)
      LOG.info("removed " + r[0] + " stale attachment(s), re-attached " + r[1]);
    if (received != null) {
      int[] t = received.taken();
      LOG.info(
          "hand-over: data plane runs on " + t[0] + " handed-over tap(s), " + t[1] + " uplink(s)");
      dataPlane.inherit(null);
      received.closeUnclaimed();
    }
    if (cfg.kubernetes()) {
      // before the socket serves, so chained ADDs can read pod annotations from the first request
      // on
      client =
          cfg.kubeconfig() != null
              ? new KubernetesClientBuilder()
                  .withConfig(Config.fromKubeconfig(Files.readString(cfg.kubeconfig())))
                  .build()
              : new KubernetesClientBuilder().build();
      chained.pods(new KubePodLookup(client));
      // requested (static) addresses: unique cluster-wide through VdeAddressReservations
      taps.reservations(new KubeAddressReservations(client, cfg.nodeName()));
      chained.status(new KubeNetworkStatusWriter(client));
      StartupTimeline.mark("kubernetes client built");
    }
    server.start();
    capture.start();
    console.start();
    if (devicePlugins != null) devicePlugins.start();
    if (cfg.kubernetes()) {
      keyWatcher = new NetworkKeyWatcher(client, dataPlane);
      keyWatcher.start(cfg.configNamespace());
      networkWatcher = new NetworkConfigWatcher(client, dataPlane, cfg.nodeName(), cache);
      networkWatcher.start(cfg.configNamespace());
      linkWatcher = new LinkWatcher(client, links, cfg.nodeName());
      linkWatcher.start();
      reporter =
          new VdeNodeReporter(
              client,
              cfg.nodeName(),
              cfg.nodeAddress(),
              AgentVersion.VERSION,
              dataPlane,
              links,
              cfg.configNamespace(),
              handler::unattachedDetail);
      linkEvents = new LinkEvents(client, cfg.nodeName());
      Thread.ofPlatform()
          .daemon()
          .name("agent-prune")
          .start(
              () -> {
                while (!networkWatcher.synced()) {
                  if (closed) return;
                  sleep(100);
                }
                sleep(500); // let the informer's handlers apply the listed configs
                networkWatcher.pruneStale();
              });
    }
    List<HttpEndpoints.Check> checks = new ArrayList<>();
    checks.add(new HttpEndpoints.Check("cni-socket", server::ready));
    // one network whose uplink cannot open (e.g. its port is taken) is reported per network in the
    // VdeNode and
    // must not take the agent out of service for the others: not ready only when no network runs at
    // all
    checks.add(
        new HttpEndpoints.Check(
            "data-plane",
            () ->
                dataPlane.networks().isEmpty()
                    || dataPlane.networks().stream().anyMatch(NetworkSwitch::ready)));
    if (cfg.kubernetes()) {
      checks.add(new HttpEndpoints.Check("informer-networks", networkWatcher::synced));
      checks.add(new HttpEndpoints.Check("informer-links", linkWatcher::synced));
      checks.add(new HttpEndpoints.Check("informer-keys", keyWatcher::synced));
    }
    readyChecks = List.copyOf(checks);
    if (cfg.healthPort() >= 0 || cfg.metricsPort() >= 0) {
      http = new HttpEndpoints(cfg.healthPort(), cfg.metricsPort(), checks, metrics::scrape);
    }
    heartbeat =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("agent-heartbeat").factory());
    heartbeat.scheduleWithFixedDelay(this::beat, 0, cfg.heartbeatMs(), TimeUnit.MILLISECONDS);
    reconciler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("agent-reconcile").factory());
    reconciler.scheduleWithFixedDelay(
        this::reconcileNow, cfg.reconcileMs(), cfg.reconcileMs(), TimeUnit.MILLISECONDS);
    handover =
        new HandoverServer(
            cfg.runDir().resolve(HandoverServer.SOCKET),
            dataPlane,
            this::close,
            () -> handedOver.complete(null));
    handover.start();
    try { // for the next start's early data plane (EarlyStart)
      cfg.dataPlaneSettings().save(cfg.stateDir().resolve(DataPlaneSettings.FILE));
    } catch (IOException e) {
      LOG.warn("cannot save the data plane settings: " + e.getMessage());
    }
    StartupTimeline.mark("agent started");
  }

  /**
   * Whether this agent is ready, by the checks {@code /readyz} reports (CNI socket, data plane,
   * informers): false before {@link #start} returned, after {@link #close} and after a hand-over.
   */
  public boolean ready() {
    if (closed || handedOver.isDone()) return false;
    List<HttpEndpoints.Check> c = readyChecks;
    if (c.isEmpty()) return false;
    for (HttpEndpoints.Check check : c) if (!check.ok().getAsBoolean()) return false;
    return true;
  }

  /**
   * Completes when this agent handed its data plane to a new agent and stopped (the process should
   * exit).
   */
  public CompletableFuture<Void> handedOver() {
    return handedOver;
  }

  /**
   * One clean-up pass now (also every {@link AgentConfig#reconcileMs}): records whose netns is
   * proven gone, orphaned address reservations, re-attach retries ({@link
   * SwitchingAttachmentHandler#reconcile}).
   *
   * @return {removed, reattached}
   */
  public int[] reconcileNow() {
    try {
      int[] r = handler.reconcile();
      if (r[0] > 0 || r[1] > 0)
        LOG.info("reconcile: removed " + r[0] + " attachment(s), re-attached " + r[1]);
      return r;
    } catch (RuntimeException e) {
      LOG.warn("reconcile failed", e);
      return new int[] {0, 0};
    }
  }

  /** The attachment handler (its {@code unattached()} is the hook for a VdeNode condition). */
  public SwitchingAttachmentHandler attachments() {
    return handler;
  }

  private void beat() {
    try {
      dataPlane.retryUplinks();
      links.heartbeat();
      metrics.sync();
      if (reporter != null) reporter.report();
      if (linkEvents != null) linkEvents.observe(links.status());
    } catch (RuntimeException e) {
      LOG.warn("heartbeat failed", e);
    }
  }

  /**
   * Renews the Lease and writes the VdeNode status now, changed or not (tests; the heartbeat writes
   * changes).
   */
  public void reportNow() {
    if (reporter != null) {
      reporter.invalidate();
      reporter.report();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The data plane. */
  public DataPlane dataPlane() {
    return dataPlane;
  }

  /** The VdeLinks run here. */
  public LinkManager links() {
    return links;
  }

  /** The metrics. */
  public AgentMetrics metrics() {
    return metrics;
  }

  /** The HTTP endpoints (null when both ports are off). */
  public HttpEndpoints http() {
    return http;
  }

  /** The attachment records. */
  public AttachmentStore store() {
    return store;
  }

  /** The capture endpoint ({@code <run dir>/capture.sock}). */
  public CaptureServer captureServer() {
    return capture;
  }

  /** The console endpoint ({@code <run dir>/console.sock}). */
  public ConsoleServer consoleServer() {
    return console;
  }

  /** The device plugins, or null without {@code --device-plugin-dir}. */
  public DevicePluginManager devicePlugins() {
    return devicePlugins;
  }

  /** The CNI socket's server. */
  public CniServer cniServer() {
    return server;
  }

  /** The configuration. */
  public AgentConfig config() {
    return cfg;
  }

  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (handover != null) handover.close();
    if (heartbeat != null) heartbeat.shutdownNow();
    if (reconciler != null) reconciler.shutdownNow();
    if (http != null) http.close();
    capture.close();
    console.close();
    if (devicePlugins != null) devicePlugins.close();
    try {
      server.close();
    } catch (IOException | RuntimeException ignored) {
      // exiting anyway
    }
    if (linkWatcher != null) linkWatcher.close();
    if (networkWatcher != null) networkWatcher.close();
    if (keyWatcher != null) keyWatcher.close();
    links.close();
    dataPlane.close();
    if (client != null) client.close();
  }
}
