package io.kubevde.agent.kube;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.KeyFiles;
import io.kubevde.api.agent.AgentNetworkConfig;
import java.io.IOException;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Informer on the operator's key Secrets of sealed networks ({@code vnet-key.<ns>.<name>}, label
 * {@code app.kubernetes.io/component=agent-key}) in the operator namespace, next to the ConfigMaps:
 * each Secret's key {@code network.key} becomes the key file {@link KeyFiles#path} (0400, atomic
 * rename), which the network's {@code seal://} uplink re-reads by itself (a rotation phase reaches
 * the data plane without reopening the uplink); then uplinks still waiting for a key are retried. A
 * deleted Secret removes its file.
 */
public final class NetworkKeyWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkKeyWatcher.class);

  /** Component label value of key Secrets. */
  public static final String COMPONENT = "agent-key";

  private final KubernetesClient client;
  private final DataPlane dataPlane;
  private SharedIndexInformer<Secret> informer;

  /**
   * @param client the API client
   * @param dataPlane whose {@link DataPlane#keyFiles()} are written and whose uplinks are retried
   */
  public NetworkKeyWatcher(KubernetesClient client, DataPlane dataPlane) {
    this.client = client;
    this.dataPlane = dataPlane;
  }

  /** Starts the informer in {@code namespace}; returns at once; failures are retried. */
  public void start(String namespace) {
    informer =
        client
            .secrets()
            .inNamespace(namespace)
            .withLabel(NetworkConfigWatcher.COMPONENT_LABEL, COMPONENT)
            .runnableInformer(60_000);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(Secret s) {
            written(s);
          }

          @Override
          public void onUpdate(Secret old, Secret s) {
            written(s);
          }

          @Override
          public void onDelete(Secret s, boolean unknownFinalState) {
            try {
              dataPlane.keyFiles().delete(s.getMetadata().getName());
            } catch (IOException | IllegalArgumentException e) {
              LOG.warn(
                  "key Secret "
                      + s.getMetadata().getName()
                      + ": cannot remove its key file: "
                      + e.getMessage());
            }
          }
        });
    Informers.startRetrying(informer, "key Secrets in " + namespace);
  }

  /** Whether the initial list has been delivered. */
  public boolean synced() {
    return informer != null && informer.hasSynced();
  }

  private void written(Secret s) {
    String name = s.getMetadata().getName();
    String b64 = s.getData() == null ? null : s.getData().get(AgentNetworkConfig.KEY_FILE_KEY);
    if (b64 == null) {
      LOG.warn("key Secret " + name + ": no " + AgentNetworkConfig.KEY_FILE_KEY);
      return;
    }
    try {
      dataPlane.keyFiles().write(name, Base64.getDecoder().decode(b64));
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("key Secret " + name + ": cannot write its key file: " + e.getMessage());
      return;
    }
    dataPlane.retryUplinks();
  }

  @Override
  public void close() {
    if (informer != null) informer.close();
  }
}
