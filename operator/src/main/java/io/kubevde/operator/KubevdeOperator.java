package io.kubevde.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.kubevde.operator.link.VdeLinkReconciler;
import io.kubevde.operator.network.VdeNetworkReconciler;
import io.kubevde.operator.runtime.HealthServer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator: a JOSDK {@link Operator} with the VdeNetwork and VdeLink reconcilers, Micrometer
 * metrics, optional leader election and the health/metrics HTTP server. Used by {@link
 * OperatorMain} and by the tests (same wiring).
 */
public final class KubevdeOperator implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KubevdeOperator.class);
  private final Operator operator;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final HealthServer http;
  private volatile boolean started;

  /**
   * Builds (does not start) the operator.
   *
   * @param client API client (not closed by {@link #close()}: the caller owns it)
   * @param cfg settings
   */
  public KubevdeOperator(KubernetesClient client, OperatorConfig cfg) {
    this(client, cfg, false);
  }

  /**
   * Builds (does not start) the operator.
   *
   * @param client API client (not closed by {@link #close()}: the caller owns it)
   * @param cfg settings
   * @param exitOnLostLease with leader election: exit the JVM when the lease is lost (what a pod
   *     should do: it is restarted and competes again); false for embedded use
   */
  public KubevdeOperator(KubernetesClient client, OperatorConfig cfg, boolean exitOnLostLease) {
    // JVM and process meters (jvm_*, process_*) beside JOSDK's own
    for (MeterBinder b :
        List.of(
            new JvmMemoryMetrics(),
            new JvmGcMetrics(),
            new JvmThreadMetrics(),
            new ClassLoaderMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics(),
            new FileDescriptorMetrics())) {
      b.bindTo(registry);
    }
    this.operator =
        new Operator(
            o -> {
              o.withKubernetesClient(client)
                  .withCloseClientOnStop(false)
                  .withMetrics(MicrometerMetrics.withoutPerResourceMetrics(registry))
                  .withStopOnInformerErrorDuringStartup(true);
              if (cfg.leaderElection()) {
                String identity =
                    System.getenv().getOrDefault("HOSTNAME", "kubevde-operator")
                        + "-"
                        + java.util.UUID.randomUUID().toString().substring(0, 8);
                o.withLeaderElectionConfiguration(
                    new LeaderElectionConfiguration(
                        cfg.leaseName(),
                        cfg.namespace(),
                        LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                        LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                        identity,
                        null,
                        exitOnLostLease));
              }
            });
    operator.register(new VdeNetworkReconciler(cfg, registry));
    operator.register(new VdeLinkReconciler(cfg));
    this.http =
        cfg.httpPort() >= 0
            ? new HealthServer(
                cfg.httpPort(),
                () -> started && operator.getRuntimeInfo().allEventSourcesAreHealthy(),
                registry)
            : null;
  }

  /**
   * Starts the controllers (after winning the lease when leader election is on) and the HTTP
   * server.
   */
  public void start() {
    if (http != null) http.start();
    operator.start();
    started = true;
    LOG.info("kubevde operator started");
  }

  /**
   * @return the port of /healthz, /readyz and /metrics, or -1 when disabled
   */
  public int httpPort() {
    return http == null ? -1 : http.port();
  }

  /**
   * @return the JOSDK operator (runtime info for readiness)
   */
  public Operator operator() {
    return operator;
  }

  @Override
  public void close() {
    operator.stop();
    if (http != null) http.close();
  }
}
