package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.operator.model.AgentDaemonSet;
import io.kubevde.operator.model.Names;
import java.util.Collection;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the one agent DaemonSet in line with the set of live networks (server-side apply when the desired object
 * changed since the last apply by this process, and at least once a minute so a deleted or edited DaemonSet comes
 * back). Serialized: reconciles of many networks call it at once.
 */
final class AgentDaemonSetApplier {
  private static final Logger LOG = LoggerFactory.getLogger(AgentDaemonSetApplier.class);
  private final OperatorConfig cfg;
  private static final long REAPPLY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
  private String lastApplied;
  private long lastAppliedAt;

  AgentDaemonSetApplier(OperatorConfig cfg) {
    this.cfg = cfg;
  }

  /**
   * @param client API client
   * @param selectors nodeSelectors of the live networks; empty collection = no network, DaemonSet deleted
   */
  synchronized void apply(KubernetesClient client, Collection<Map<String, String>> selectors) {
    if (selectors.isEmpty()) {
      if (!"deleted".equals(lastApplied)) {
        client.apps().daemonSets().inNamespace(cfg.namespace()).withName(Names.AGENT_DAEMONSET).delete();
        LOG.info("DaemonSet {}/{}: deleted (no VdeNetwork left)", cfg.namespace(), Names.AGENT_DAEMONSET);
        lastApplied = "deleted";
      }
      return;
    }
    DaemonSet ds = AgentDaemonSet.desired(selectors, cfg);
    String json = Serialization.asJson(ds);
    if (json.equals(lastApplied) && System.nanoTime() - lastAppliedAt < REAPPLY_NANOS) return;
    client.apps().daemonSets().inNamespace(cfg.namespace()).resource(ds).fieldManager(Names.MANAGER)
        .forceConflicts().serverSideApply();
    LOG.info("DaemonSet {}/{}: applied for {} node selector(s)", cfg.namespace(), Names.AGENT_DAEMONSET,
        selectors.size());
    lastApplied = json;
    lastAppliedAt = System.nanoTime();
  }
}
