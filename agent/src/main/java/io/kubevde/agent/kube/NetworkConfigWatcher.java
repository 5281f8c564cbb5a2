package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkCache;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Informer on the operator's per-network ConfigMaps ({@code vnet.<ns>.<name>}, label {@code
 * app.kubernetes.io/component=agent-config}, key {@code network.json}) in the operator namespace: a
 * network present on this node (its nodeSelector matches this Node's labels, or it gives this node
 * an address block) gets a switch; an update re-applies it; a deletion, or the node leaving the
 * selector, removes it.
 */
public final class NetworkConfigWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkConfigWatcher.class);

  /** Label the operator puts on agent ConfigMaps. */
  public static final String COMPONENT_LABEL = "app.kubernetes.io/component";

  /** Its value. */
  public static final String COMPONENT = "agent-config";

  /** The ConfigMap key holding the config. */
  public static final String KEY = AgentNetworkConfigCodec.CONFIG_KEY;

  private final KubernetesClient client;
  private final DataPlane dataPlane;
  private final String nodeName;
  private final NetworkCache cache;
  private final Map<String, String> keyByConfigMap = new ConcurrentHashMap<>();
  private SharedIndexInformer<ConfigMap> informer;

  /**
   * @param client the API client
   * @param dataPlane where networks are applied
   * @param nodeName this node
   * @param cache where applied configs are remembered for the next start
   */
  public NetworkConfigWatcher(
      KubernetesClient client, DataPlane dataPlane, String nodeName, NetworkCache cache) {
    this.client = client;
    this.dataPlane = dataPlane;
    this.nodeName = nodeName;
    this.cache = cache;
  }

  /**
   * Starts the informer in {@code namespace}; returns at once (see {@link #synced}); an unreachable
   * API server is retried (the data plane keeps running from the cache meanwhile).
   */
  public void start(String namespace) {
    informer =
        client
            .configMaps()
            .inNamespace(namespace)
            .withLabel(COMPONENT_LABEL, COMPONENT)
            .runnableInformer(60_000);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(ConfigMap cm) {
            applied(cm);
          }

          @Override
          public void onUpdate(ConfigMap oldCm, ConfigMap cm) {
            applied(cm);
          }

          @Override
          public void onDelete(ConfigMap cm, boolean unknownFinalState) {
            String key = keyByConfigMap.remove(cm.getMetadata().getName());
            if (key != null) {
              dataPlane.remove(key);
              cache.delete(key);
            }
          }
        });
    Informers.startRetrying(informer, "ConfigMaps in " + namespace);
  }

  /** Whether the initial list has been delivered. */
  public boolean synced() {
    return informer != null && informer.hasSynced();
  }

  private void applied(ConfigMap cm) {
    String name = cm.getMetadata().getName();
    String json = cm.getData() == null ? null : cm.getData().get(KEY);
    if (json == null) return;
    AgentNetworkConfig cfg;
    try {
      cfg = AgentNetworkConfigCodec.read(json);
    } catch (RuntimeException e) {
      LOG.warn("ConfigMap " + name + ": bad " + KEY + ": " + e.getMessage());
      return;
    }
    if (!presentHere(cfg)) {
      String old = keyByConfigMap.remove(name);
      if (old != null) dataPlane.remove(old);
      dataPlane
          .network(cfg.key())
          .filter(NetworkSwitch::fromOperator)
          .ifPresent(sw -> dataPlane.remove(cfg.key()));
      cache.delete(cfg.key());
      return;
    }
    keyByConfigMap.put(name, cfg.key());
    try {
      dataPlane.apply(cfg);
      cache.save(cfg.key(), json);
    } catch (Exception e) {
      LOG.warn("network " + cfg.key() + ": " + e.getMessage());
    }
  }

  /**
   * After the first list: removes operator networks (restored from the cache at start) whose
   * ConfigMap is gone. Call once {@link #synced} is true.
   *
   * @return how many were removed
   */
  public int pruneStale() {
    java.util.Set<String> live = new java.util.HashSet<>();
    for (ConfigMap cm : informer.getStore().list()) {
      String json = cm.getData() == null ? null : cm.getData().get(KEY);
      if (json == null) continue;
      try {
        live.add(AgentNetworkConfigCodec.read(json).key());
      } catch (RuntimeException ignored) {
        // a bad config is no network
      }
    }
    int n = 0;
    for (NetworkSwitch sw : dataPlane.networks()) {
      String key = sw.config().key();
      if (sw.fromOperator() && !live.contains(key)) {
        LOG.info("network " + key + ": ConfigMap gone while the agent was down, removing");
        dataPlane.remove(key);
        cache.delete(key);
        n++;
      }
    }
    return n;
  }

  /**
   * Whether the network spans this node: an empty nodeSelector, an address block for this node, or
   * a selector matching this Node's labels. When the Node cannot be read the network is served
   * (better an idle switch than a pod without network).
   */
  boolean presentHere(AgentNetworkConfig cfg) {
    if (cfg.nodeSelector().isEmpty() || cfg.nodeRange(nodeName) != null) return true;
    try {
      Node node = client.nodes().withName(nodeName).get();
      if (node == null) return true;
      Map<String, String> labels =
          node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
      return cfg.nodeSelector().entrySet().stream()
          .allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
    } catch (KubernetesClientException e) {
      return true;
    }
  }

  @Override
  public void close() {
    if (informer != null) informer.close();
  }
}
