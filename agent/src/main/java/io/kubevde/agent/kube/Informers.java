package io.kubevde.agent.kube;

import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starting fabric8 informers without blocking the agent's start-up on the API server. */
final class Informers {
  private static final Logger LOG = LoggerFactory.getLogger(Informers.class);

  private Informers() {}

  /**
   * Starts {@code informer} in the background; every list/watch failure (also before the first
   * list: API server down or unreachable) is logged once per kind of message and retried with
   * fabric8's back-off.
   */
  static void startRetrying(SharedIndexInformer<?> informer, String what) {
    informer.exceptionHandler(
        (started, t) -> {
          LOG.warn(
              "informer "
                  + what
                  + (started ? "" : " (initial list)")
                  + ": "
                  + t.getMessage()
                  + "; retrying");
          return true;
        });
    informer.start();
  }
}
