package io.kubevde.agent.attach;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.agent.model.IpamConfig;
import io.kubevde.agent.model.NetConf;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.cni.protocol.CniError;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The full ADD/DEL path (architecture.md §6): {@link TapAttachmentHandler} makes the persistent tap
 * in the pod netns, then the tap is opened by name there and becomes a port of its network's switch
 * ({@link DataPlane}); DEL removes the port first, then the tap. When the operator describes the
 * network (a ConfigMap), its IPAM wins — the subnet with this node's address block — and its MTU is
 * the default; otherwise the CNI config's own {@code ipam}/{@code mtu} apply; a network {@code
 * macPrefix} gives generated MACs that prefix (a requested MAC wins). Every ADD first passes {@link
 * NamespaceAccess} (tenant isolation), before any address, record or interface is made.
 */
public final class SwitchingAttachmentHandler implements AttachmentHandler {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchingAttachmentHandler.class);

  private final TapAttachmentHandler taps;
  private final AttachmentStore store;
  private final DataPlane dataPlane;
  private final String nodeName;
  private final long networkWaitMs;
  private final NamespaceAccess access;
  private final Map<AttachmentKey, Retry> retries = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicLong reattachFailures =
      new java.util.concurrent.atomic.AtomicLong();

  /** A re-attach that failed: when to try next and why it failed. */
  private record Retry(int attempts, long nextAtMs, String error, String pod) {}

  /**
   * An attachment kept across a restart whose tap is not on its switch: its re-attach failed and is
   * retried with backoff.
   *
   * @param key the attachment
   * @param pod {@code <namespace>/<name>} of the pod (from the record's CNI_ARGS), or the container
   *     id when the record has none
   * @param attempts failed attempts so far (≥ 1)
   * @param error the last failure's message
   */
  public record Unattached(AttachmentKey key, String pod, int attempts, String error) {}

  /**
   * @param taps the netns/tap part
   * @param store the attachment records (same store as {@code taps})
   * @param dataPlane the switches
   * @param nodeName this node (its address block of the operator's IPAM)
   * @param access the tenant rule every ADD must pass (pod namespace vs the network's allowed
   *     namespaces)
   */
  public SwitchingAttachmentHandler(
      TapAttachmentHandler taps, AttachmentStore store, DataPlane dataPlane, String nodeName) {
    this(taps, store, dataPlane, nodeName, -1);
  }

  /**
   * A handler with the stand-alone tenant rule (a missing pod namespace is allowed; see {@link
   * NamespaceAccess}).
   */
  public SwitchingAttachmentHandler(
      TapAttachmentHandler taps,
      AttachmentStore store,
      DataPlane dataPlane,
      String nodeName,
      long networkWaitMs) {
    this(taps, store, dataPlane, nodeName, networkWaitMs, new NamespaceAccess(true));
  }

  /**
   * @param networkWaitMs how long an ADD whose config brings no IPAM of its own waits for the
   *     operator's configuration of its network before answering 11 (try again later); negative =
   *     never wait (stand-alone: a local switch on demand)
   */
  public SwitchingAttachmentHandler(
      TapAttachmentHandler taps,
      AttachmentStore store,
      DataPlane dataPlane,
      String nodeName,
      long networkWaitMs,
      NamespaceAccess access) {
    this.networkWaitMs = networkWaitMs;
    this.taps = taps;
    this.store = store;
    this.dataPlane = dataPlane;
    this.nodeName = nodeName;
    this.access = access;
  }

  /** The config with the operator's IPAM and MTU when the network is known from a ConfigMap. */
  NetConf effective(NetConf conf) {
    AgentNetworkConfig net =
        dataPlane
            .network(conf.network())
            .filter(NetworkSwitch::fromOperator)
            .map(NetworkSwitch::config)
            .orElse(null);
    if (net == null) return conf;
    IpamConfig ipam = IpamConfig.forNode(net, nodeName);
    if (ipam != null && conf.ipam() != null && !conf.ipam().routes().isEmpty()) {
      // the network's routes, then the CNI config's own
      List<Map<String, Object>> routes = new java.util.ArrayList<>(ipam.routes());
      routes.addAll(conf.ipam().routes());
      ipam = ipam.withRoutes(List.copyOf(routes));
    }
    Integer mtu =
        conf.mtu() != null ? conf.mtu() : net.mtu() != null && net.mtu() > 0 ? net.mtu() : null;
    String mac = conf.mac();
    if (mac == null
        && net.macPrefix() != null
        && net.macPrefix().matches("(?i)[0-9a-f][26ae](:[0-9a-f]{2}){2}")) {
      byte[] b = new byte[3];
      java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
      mac =
          (net.macPrefix() + ":" + java.util.HexFormat.ofDelimiter(":").formatHex(b))
              .toLowerCase(java.util.Locale.ROOT);
    }
    // the operator's IPAM wins: no delegation to the config's ipam.type then
    return new NetConf(
        conf.cniVersion(),
        conf.name(),
        conf.network(),
        mtu,
        mac,
        conf.ips(),
        ipam != null ? ipam : conf.ipam(),
        conf.dns(),
        conf.prevResult(),
        conf.validAttachments(),
        conf.networkGiven(),
        ipam != null ? null : conf.raw(),
        conf.vlans());
  }

  /**
   * Waits (bounded by {@code networkWaitMs}) for the operator's configuration of the request's
   * network when the config brings no IPAM of its own (a Multus NAD, a chained annotation entry):
   * without it the pod would get no address and a switch without uplink.
   *
   * @throws CniError.Failure 11 (try again later) when it does not come in time
   */
  private void awaitNetwork(NetConf conf) {
    if (networkWaitMs < 0 || conf.ipam() != null || conf.delegatedIpam() != null) return;
    long deadline = System.nanoTime() + networkWaitMs * 1_000_000;
    while (dataPlane.network(conf.network()).filter(NetworkSwitch::fromOperator).isEmpty()) {
      if (System.nanoTime() >= deadline) {
        throw new CniError.Failure(
            CniError.TRY_AGAIN_LATER,
            "network "
                + conf.network()
                + " is not configured on this node yet (no operator configuration after "
                + networkWaitMs
                + " ms)");
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CniError.Failure(
            CniError.TRY_AGAIN_LATER, "interrupted waiting for network " + conf.network());
      }
    }
  }

  @Override
  public Map<String, Object> add(AttachRequest req) {
    awaitNetwork(req.conf());
    AgentNetworkConfig described =
        dataPlane
            .network(req.conf().network())
            .filter(NetworkSwitch::fromOperator)
            .map(NetworkSwitch::config)
            .orElse(null);
    access.check(req.args().get("K8S_POD_NAMESPACE"), req.conf().network(), described);
    AttachRequest eff =
        new AttachRequest(
            effective(req.conf()),
            req.containerId(),
            req.netns(),
            req.ifName(),
            req.args(),
            req.cniPath());
    // a record of this netns + interface left by an ADD/DEL the agent could not finish (its
    // interface is gone) would hold the retried ADD's addresses: drop it first (no lock held here)
    for (AttachmentKey k : taps.dropSuperseded(eff)) {
      dataPlane.detach(k);
      retries.remove(k);
    }
    // record and switch port in one step under the attachment's lock: the periodic re-attach
    // (reconcile) must not take the ready record of this ADD for one whose re-attach failed
    return taps.locked(eff.key(), () -> addLocked(eff, req));
  }

  private Map<String, Object> addLocked(AttachRequest eff, AttachRequest req) {
    Map<String, Object> result = taps.add(eff);
    AttachmentRecord rec = store.read(eff.key());
    try {
      if (rec == null) throw new IOException("attachment record vanished");
      dataPlane.attach(rec);
    } catch (IOException | RuntimeException e) {
      try {
        dataPlane.detach(eff.key());
        taps.del(eff);
      } catch (RuntimeException ignored) {
        // the original failure is what the runtime must see
      }
      throw new CniError.Failure(
          new CniError(
              CniError.SETUP_FAILED,
              "cannot attach " + req.ifName() + " to network " + req.conf().network(),
              String.valueOf(e.getMessage())));
    }
    return result;
  }

  @Override
  public void del(AttachRequest req) {
    taps.locked(
        req.key(),
        () -> {
          dataPlane.detach(req.key());
          taps.del(req);
          retries.remove(req.key());
          return null;
        });
  }

  @Override
  public void check(AttachRequest req) {
    taps.check(req);
    AttachmentRecord rec =
        dataPlane.attachments().stream()
            .filter(r -> r.key().equals(req.key()))
            .findFirst()
            .orElse(null);
    if (rec == null) {
      throw new CniError.Failure(
          CniError.CHECK_FAILED,
          "interface " + req.ifName() + " is not attached to network " + req.conf().network());
    }
    // the switch port must be the access/trunk port the record (and the ADD's result) says
    java.util.Optional<NetworkSwitch> sw = dataPlane.network(rec.vdeNetwork());
    if (sw.isPresent() && !java.util.Objects.equals(sw.get().vlansOf(req.key()), rec.vlans())) {
      throw new CniError.Failure(
          CniError.CHECK_FAILED,
          "interface "
              + req.ifName()
              + " on network "
              + req.conf().network()
              + " should be a port with VLANs "
              + (rec.vlans() == null ? "(none)" : rec.vlans())
              + ", the switch has "
              + sw.get().vlansOf(req.key()));
    }
  }

  @Override
  public void status(NetConf conf) {
    taps.status(conf);
  }

  @Override
  public void gc(NetConf conf, Set<AttachmentKey.Id> valid) {
    Set<AttachmentKey> before = new HashSet<>();
    for (AttachmentRecord r : store.list()) before.add(r.key());
    taps.gc(conf, valid);
    for (AttachmentKey k : before) if (store.read(k) == null) dataPlane.detach(k);
  }

  /**
   * Start-up: drops stale records ({@link TapAttachmentHandler#reconcile}), then re-opens every
   * remaining tap in its netns and re-attaches it to its switch; failures are retried by {@link
   * #reconcile}.
   *
   * @return {removed, reattached}
   */
  public int[] restore() {
    Set<AttachmentKey> known = new HashSet<>();
    for (AttachmentRecord r : store.list()) known.add(r.key());
    int removed = taps.reconcile();
    // a record dropped now may have been attached before (the crash path's early data plane)
    for (AttachmentKey k : known) if (store.read(k) == null) dataPlane.detach(k);
    int before = dataPlane.attachments().size();
    dataPlane.restore(store.list());
    int re = dataPlane.attachments().size() - before;
    noteUnattached(System.currentTimeMillis());
    return new int[] {removed, re};
  }

  /**
   * The periodic pass (every minute in the agent, and after start-up): {@link
   * TapAttachmentHandler#reconcile} (records whose netns is proven gone, half-made records,
   * orphaned reservations), detaching the records it removed; then every ready record that is not
   * attached (a re-attach that failed) is retried with exponential backoff (1 s doubling to 5 min),
   * each failure logged naming the pod.
   *
   * @return {removed, reattached}
   */
  public int[] reconcile() {
    Set<AttachmentKey> before = new HashSet<>();
    for (AttachmentRecord r : store.list()) before.add(r.key());
    int removed = taps.reconcile();
    for (AttachmentKey k : before) {
      if (store.read(k) == null) {
        dataPlane.detach(k);
        retries.remove(k);
      }
    }
    long now = System.currentTimeMillis();
    Set<AttachmentKey> attached = new HashSet<>();
    dataPlane.attachments().forEach(r -> attached.add(r.key()));
    int re = 0;
    for (AttachmentRecord seen : store.list()) {
      if (!"ready".equals(seen.state()) || attached.contains(seen.key())) continue;
      Retry r = retries.get(seen.key());
      if (r != null && r.nextAtMs() > now) continue;
      // under the attachment's lock, re-read: an ADD in flight has attached it meanwhile, a DEL in
      // flight has removed it (attaching then would leak the port and keep the pod's netns alive)
      boolean done =
          taps.locked(
              seen.key(),
              () -> {
                AttachmentRecord rec = store.read(seen.key());
                if (rec == null || !"ready".equals(rec.state()) || dataPlane.attached(rec.key()))
                  return false;
                try {
                  dataPlane.attach(rec);
                  retries.remove(rec.key());
                  LOG.warn(
                      "re-attached "
                          + rec.key()
                          + " (pod "
                          + TapAttachmentHandler.podName(rec)
                          + ")");
                  return true;
                } catch (IOException | RuntimeException e) {
                  fail(rec, r, now, String.valueOf(e.getMessage()));
                  return false;
                }
              });
      if (done) re++;
    }
    retries.keySet().removeIf(k -> store.read(k) == null);
    return new int[] {removed, re};
  }

  private void noteUnattached(long now) {
    Set<AttachmentKey> attached = new HashSet<>();
    dataPlane.attachments().forEach(r -> attached.add(r.key()));
    for (AttachmentRecord rec : store.list()) {
      if ("ready".equals(rec.state())
          && !attached.contains(rec.key())
          && !retries.containsKey(rec.key())) {
        fail(rec, null, now, "re-attach at start-up failed");
      }
    }
  }

  private void fail(AttachmentRecord rec, Retry prev, long now, String error) {
    int n = prev == null ? 1 : prev.attempts() + 1;
    long delay = Math.min(300_000L, 1000L << Math.min(n - 1, 20));
    reattachFailures.incrementAndGet();
    retries.put(rec.key(), new Retry(n, now + delay, error, TapAttachmentHandler.podName(rec)));
    LOG.warn(
        "cannot attach "
            + rec.key()
            + " of pod "
            + TapAttachmentHandler.podName(rec)
            + " in "
            + rec.netns()
            + " (attempt "
            + n
            + ", next in "
            + delay / 1000
            + " s): "
            + error);
  }

  /**
   * The attachments whose tap is not on its switch (a re-attach failed and is being retried), with
   * the last error: for the {@code vde_attachments_unattached} metric and a VdeNode condition.
   */
  public Map<AttachmentKey, String> unattached() {
    Map<AttachmentKey, String> out = new java.util.LinkedHashMap<>();
    retries.forEach((k, r) -> out.put(k, r.error()));
    return out;
  }

  /**
   * The attachments whose tap is not on its switch, sorted by pod (then key), for the VdeNode's
   * {@code AttachmentsHealthy} condition.
   */
  public java.util.List<Unattached> unattachedDetail() {
    java.util.List<Unattached> out = new java.util.ArrayList<>();
    retries.forEach((k, r) -> out.add(new Unattached(k, r.pod(), r.attempts(), r.error())));
    out.sort(
        java.util.Comparator.comparing(Unattached::pod).thenComparing(u -> u.key().toString()));
    return out;
  }

  /**
   * Re-attach attempts that failed since this handler was made (at start-up and in {@link
   * #reconcile}): the {@code vde_attachment_reattach_failures_total} counter.
   */
  public long reattachFailures() {
    return reattachFailures.get();
  }
}
