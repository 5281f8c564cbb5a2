package io.kubevde.operator.runtime;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes core/v1 Events about our objects ({@code kubectl describe vnet x} shows them) and logs the
 * same line. Callers emit on transitions only (k8s-conventions.md §8). Events are written by
 * background threads (a cached pool: one stuck write, e.g. on a client being closed, blocks nothing
 * else) so a reconcile does not wait for them; failures are logged, never thrown.
 */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);

  /** Reporting component name. */
  public static final String COMPONENT = "kubevde-operator";

  private static final java.util.concurrent.ExecutorService WRITER =
      java.util.concurrent.Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "event-writer");
            t.setDaemon(true);
            return t;
          });
  private final KubernetesClient client;

  /**
   * @param client the API client
   */
  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  /**
   * @param about the object the event is about (namespaced or cluster-scoped)
   * @param warning true for type Warning, false for Normal
   * @param reason CamelCase reason
   * @param message human text
   */
  public void emit(HasMetadata about, boolean warning, String reason, String message) {
    String ns =
        about.getMetadata().getNamespace() == null ? "default" : about.getMetadata().getNamespace();
    String kind = about.getKind();
    LOG.info(
        "{} {}/{}: {} {}: {}",
        kind,
        ns,
        about.getMetadata().getName(),
        warning ? "Warning" : "Normal",
        reason,
        message);
    String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    WRITER.execute(() -> write(about, ns, kind, warning, reason, message, now));
  }

  private void write(
      HasMetadata about,
      String ns,
      String kind,
      boolean warning,
      String reason,
      String message,
      String now) {
    try {
      client
          .v1()
          .events()
          .inNamespace(ns)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withNamespace(ns)
                  .withName(
                      about.getMetadata().getName()
                          + "."
                          + Long.toHexString(ThreadLocalRandom.current().nextLong()))
                  .endMetadata()
                  .withInvolvedObject(
                      new ObjectReferenceBuilder()
                          .withApiVersion(about.getApiVersion())
                          .withKind(kind)
                          .withNamespace(about.getMetadata().getNamespace())
                          .withName(about.getMetadata().getName())
                          .withUid(about.getMetadata().getUid())
                          .withResourceVersion(about.getMetadata().getResourceVersion())
                          .build())
                  .withType(warning ? "Warning" : "Normal")
                  .withReason(reason)
                  .withMessage(message)
                  .withNewSource()
                  .withComponent(COMPONENT)
                  .endSource()
                  .withReportingComponent(COMPONENT)
                  .withReportingInstance(System.getenv().getOrDefault("HOSTNAME", "local"))
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.warn(
          "could not write event {} about {}/{}: {}",
          reason,
          ns,
          about.getMetadata().getName(),
          e.getMessage());
    }
  }
}
