package io.kubevde.agent.attach;

import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.agent.model.NetConf;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.CniResults;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kubevde chained after a primary plugin in a conflist (CNI SPEC 1.1.0 "Chaining", issue 5): a
 * request whose config names no {@code network} but carries a {@code prevResult} is answered from
 * the pod's {@link PodNetworks#ANNOTATION} annotation, read through the Kubernetes API ({@link
 * PodLookup}, pod from {@code K8S_POD_NAMESPACE}/ {@code K8S_POD_NAME} in CNI_ARGS): one attachment
 * per listed VdeNetwork (each a normal attachment of the {@code delegate}, keyed by the VdeNetwork
 * {@code <ns>/<name>} so it shares that network's address pool), its interfaces and IPs appended to
 * {@code prevResult}. No annotation (or no pod coordinates) → {@code prevResult} is returned
 * unchanged, so the plugin never breaks pods that do not ask for it.
 *
 * <p>Each chained record carries {@link #CHAINED_NETWORK} (the conflist's network name) and {@link
 * #CHAINED_IFNAME} (the primary's CNI_IFNAME) in its pod map, so DEL, CHECK and GC find the
 * attachments from the on-disk records alone (no API call: DEL works when the API server is down or
 * the pod is gone). Any other request goes to the delegate.
 */
public final class ChainedAttachmentHandler implements AttachmentHandler {
  private static final Logger LOG = LoggerFactory.getLogger(ChainedAttachmentHandler.class);

  /**
   * Record pod-map key: the CNI network name (conflist {@code name}) the attachment was chained in.
   */
  public static final String CHAINED_NETWORK = "KUBEVDE_CHAINED_NETWORK";

  /** Record pod-map key: the CNI_IFNAME of the chained request (the primary plugin's interface). */
  public static final String CHAINED_IFNAME = "KUBEVDE_CHAINED_IFNAME";

  /** Reads a pod's annotation through the Kubernetes API. */
  @FunctionalInterface
  public interface PodLookup {
    /**
     * @return the value of {@code annotation} of pod {@code namespace/name}, or {@code null} when
     *     it has none
     * @throws CniError.Failure when the pod cannot be read (code 11: try again)
     */
    String annotation(String namespace, String name, String annotation);
  }

  /**
   * Rewrites a pod's {@value NetworkStatus#ANNOTATION} annotation without losing a concurrent
   * writer's change (read, update, conditional write, retried on conflict).
   */
  @FunctionalInterface
  public interface StatusWriter {
    /**
     * @param namespace the pod's namespace
     * @param name the pod's name
     * @param update from the current value (null when absent) to the new one (null removes it)
     * @throws RuntimeException when the pod cannot be written (a missing pod is no error)
     */
    void update(String namespace, String name, java.util.function.UnaryOperator<String> update);
  }

  private final AttachmentHandler delegate;
  private final AttachmentStore store;
  private volatile PodLookup pods;
  private volatile StatusWriter status;

  /**
   * @param delegate the attachment handler doing each interface
   * @param store the attachment records (same store as the delegate)
   * @param pods the pod lookup, or {@code null} outside Kubernetes (chained ADDs then pass
   *     prevResult through)
   */
  public ChainedAttachmentHandler(
      AttachmentHandler delegate, AttachmentStore store, PodLookup pods) {
    this.delegate = delegate;
    this.store = store;
    this.pods = pods;
  }

  /** Sets the pod lookup (once the Kubernetes client exists). */
  public void pods(PodLookup lookup) {
    this.pods = lookup;
  }

  /**
   * Sets who writes the pods' network-status annotation (once the Kubernetes client exists; none:
   * the annotation is not written).
   */
  public void status(StatusWriter writer) {
    this.status = writer;
  }

  /**
   * Writes kubevde's entries into the pod's network-status annotation. A failure is logged, never
   * the request's: the interfaces work without it (Multus treats the annotation the same way).
   */
  private void publish(
      String podNs,
      String podName,
      java.util.function.Predicate<Map<?, ?>> drop,
      List<NetworkStatus.Entry> ours) {
    StatusWriter w = status;
    if (w == null || podNs == null || podName == null) return;
    try {
      w.update(podNs, podName, cur -> NetworkStatus.merge(cur, drop, ours));
    } catch (RuntimeException e) {
      LOG.warn(
          "cannot write {} of pod {}/{}: {}",
          NetworkStatus.ANNOTATION,
          podNs,
          podName,
          e.getMessage());
    }
  }

  private static boolean chained(NetConf c) {
    return !c.networkGiven() && c.prevResult() != null;
  }

  /**
   * The config of one chained interface on VdeNetwork {@code network}: its IPAM/MTU come from the
   * operator.
   */
  private static NetConf sub(NetConf c, String network) {
    return new NetConf(
        c.cniVersion(), network, network, null, null, List.of(), null, null, null, null, true);
  }

  @Override
  public Map<String, Object> add(AttachRequest req) {
    NetConf conf = req.conf();
    if (!chained(conf)) return delegate.add(req);
    Map<String, Object> prev = CniResults.inVersion(conf.prevResult(), conf.cniVersion());
    String podNs = req.args().get("K8S_POD_NAMESPACE");
    String podName = req.args().get("K8S_POD_NAME");
    PodLookup lookup = pods;
    if (podNs == null || podName == null || lookup == null) return prev;
    String value = lookup.annotation(podNs, podName, PodNetworks.ANNOTATION);
    Set<String> taken = new HashSet<>();
    if (prev.get("interfaces") instanceof List<?> ifs) {
      for (Object o : ifs) {
        if (o instanceof Map<?, ?> m && m.get("sandbox") != null && m.get("name") != null)
          taken.add(String.valueOf(m.get("name")));
      }
    }
    taken.add(req.ifName());
    List<PodNetworks.Entry> entries = PodNetworks.parse(value, podNs, taken);
    Map<String, String> args = new HashMap<>(req.args());
    args.put(CHAINED_NETWORK, conf.name());
    args.put(CHAINED_IFNAME, req.ifName());
    Map<String, Object> result = prev;
    List<AttachRequest> done = new ArrayList<>();
    List<NetworkStatus.Entry> statuses = new ArrayList<>();
    try {
      for (PodNetworks.Entry e : entries) {
        AttachRequest sub =
            new AttachRequest(
                sub(conf, e.network()), req.containerId(), req.netns(), e.ifName(), args);
        Map<String, Object> own = delegate.add(sub);
        done.add(sub);
        statuses.add(NetworkStatus.of(e.network(), e.ifName(), own));
        result = CniResults.chain(result, own);
      }
    } catch (RuntimeException ex) {
      for (AttachRequest d : done.reversed()) {
        try {
          delegate.del(d);
        } catch (RuntimeException ignored) {
          // the ADD failure is what the runtime must see
        }
      }
      throw ex;
    }
    if (!statuses.isEmpty()) {
      // a re-ADD (new sandbox) replaces the entries of the same interface names
      publish(
          podNs,
          podName,
          NetworkStatus.onInterfaces(statuses.stream().map(NetworkStatus.Entry::iface).toList()),
          statuses);
    }
    return CniResults.inVersion(result, conf.cniVersion());
  }

  /** The chained records made for (network name, container, primary ifname) of {@code req}. */
  private List<AttachmentRecord> chainedRecords(
      String cniNetwork, String containerId, String ifName) {
    List<AttachmentRecord> out = new ArrayList<>();
    for (AttachmentRecord r : store.list()) {
      if (cniNetwork.equals(r.pod().get(CHAINED_NETWORK))
          && r.key().containerId().equals(containerId)
          && (ifName == null || ifName.equals(r.pod().get(CHAINED_IFNAME)))) {
        out.add(r);
      }
    }
    return out;
  }

  private AttachRequest subOf(
      AttachmentRecord r, NetConf conf, String netns, Map<String, String> args) {
    return new AttachRequest(
        sub(conf, r.key().network()), r.key().containerId(), netns, r.key().ifName(), args);
  }

  @Override
  public void del(AttachRequest req) {
    NetConf conf = req.conf();
    if (conf.networkGiven()) {
      delegate.del(req);
      return;
    }
    List<AttachmentRecord> recs = chainedRecords(conf.name(), req.containerId(), req.ifName());
    RuntimeException first = null;
    Map<List<String>, List<NetworkStatus.Entry>> gone = new java.util.LinkedHashMap<>();
    for (AttachmentRecord r : recs) {
      try {
        delegate.del(subOf(r, conf, req.netns(), req.args()));
        gone.computeIfAbsent(
                java.util.Arrays.asList(
                    r.pod().get("K8S_POD_NAMESPACE"), r.pod().get("K8S_POD_NAME")),
                k -> new ArrayList<>())
            .add(new NetworkStatus.Entry(r.key().network(), r.key().ifName(), List.of(), null));
      } catch (RuntimeException e) {
        if (first == null) first = e;
      }
    }
    gone.forEach(
        (pod, entries) ->
            publish(pod.get(0), pod.get(1), NetworkStatus.sameAs(entries), List.of()));
    if (first != null) throw first;
    if (recs.isEmpty())
      delegate.del(req); // a standalone attachment named by the config's name (idempotent)
  }

  @Override
  public void check(AttachRequest req) {
    NetConf conf = req.conf();
    if (!chained(conf)) {
      delegate.check(req);
      return;
    }
    for (AttachmentRecord r : chainedRecords(conf.name(), req.containerId(), req.ifName())) {
      delegate.check(subOf(r, conf, req.netns(), req.args()));
    }
  }

  @Override
  public void status(NetConf conf) {
    delegate.status(conf);
  }

  @Override
  public void gc(NetConf conf, Set<AttachmentKey.Id> valid) {
    if (!conf.networkGiven()) {
      for (AttachmentRecord r : store.list()) {
        if (!conf.name().equals(r.pod().get(CHAINED_NETWORK))) continue;
        if (valid.contains(
            new AttachmentKey.Id(r.key().containerId(), r.pod().get(CHAINED_IFNAME)))) continue;
        try {
          delegate.del(subOf(r, conf, r.netns(), Map.of()));
        } catch (RuntimeException e) {
          LOG.warn("GC of chained " + r.key() + " failed: " + e.getMessage());
        }
      }
    }
    delegate.gc(conf, valid);
  }
}
