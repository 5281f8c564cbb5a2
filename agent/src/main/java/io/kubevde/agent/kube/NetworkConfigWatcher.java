package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkConfig;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Informer on the operator's per-network ConfigMaps ({@code vnet.<ns>.<name>}, label
 * {@code app.kubernetes.io/component=agent-config}, key {@code network.json}) in the operator namespace: a network
 * present on this node (its nodeSelector matches this Node's labels, or it gives this node an address block) gets a
 * switch; an update re-applies it; a deletion, or the node leaving the selector, removes it.
 */
public final class NetworkConfigWatcher implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NetworkConfigWatcher.class.getName());
    /** Label the operator puts on agent ConfigMaps. */
    public static final String COMPONENT_LABEL = "app.kubernetes.io/component";
    /** Its value. */
    public static final String COMPONENT = "agent-config";
    /** The ConfigMap key holding the config. */
    public static final String KEY = "network.json";

    private final KubernetesClient client;
    private final DataPlane dataPlane;
    private final String nodeName;
    private final Map<String, String> keyByConfigMap = new ConcurrentHashMap<>();
    private SharedIndexInformer<ConfigMap> informer;

    /**
     * @param client    the API client
     * @param dataPlane where networks are applied
     * @param nodeName  this node
     */
    public NetworkConfigWatcher(KubernetesClient client, DataPlane dataPlane, String nodeName) {
        this.client = client;
        this.dataPlane = dataPlane;
        this.nodeName = nodeName;
    }

    /** Starts the informer in {@code namespace} (returns at once; see {@link #synced}). */
    public void start(String namespace) {
        informer = client.configMaps().inNamespace(namespace).withLabel(COMPONENT_LABEL, COMPONENT)
                .inform(new ResourceEventHandler<>() {
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
                        if (key != null) dataPlane.remove(key);
                    }
                }, 60_000);
    }

    /** Whether the initial list has been delivered. */
    public boolean synced() {
        return informer != null && informer.hasSynced();
    }

    private void applied(ConfigMap cm) {
        String name = cm.getMetadata().getName();
        String json = cm.getData() == null ? null : cm.getData().get(KEY);
        if (json == null) return;
        NetworkConfig cfg;
        try {
            cfg = NetworkConfig.parse(json, nodeName);
        } catch (RuntimeException e) {
            LOG.warning("ConfigMap " + name + ": bad " + KEY + ": " + e.getMessage());
            return;
        }
        if (!presentHere(cfg)) {
            String old = keyByConfigMap.remove(name);
            if (old != null) dataPlane.remove(old);
            return;
        }
        keyByConfigMap.put(name, cfg.key());
        try {
            dataPlane.apply(cfg);
        } catch (Exception e) {
            LOG.log(Level.WARNING, "network " + cfg.key() + ": " + e.getMessage());
        }
    }

    /**
     * Whether the network spans this node: an empty nodeSelector, an address block for this node, or a selector
     * matching this Node's labels. When the Node cannot be read the network is served (better an idle switch than a
     * pod without network).
     */
    boolean presentHere(NetworkConfig cfg) {
        if (cfg.nodeSelector().isEmpty() || cfg.nodeBlock() != null) return true;
        try {
            Node node = client.nodes().withName(nodeName).get();
            if (node == null) return true;
            Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
            return cfg.nodeSelector().entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
        } catch (KubernetesClientException e) {
            return true;
        }
    }

    @Override
    public void close() {
        if (informer != null) informer.close();
    }
}
