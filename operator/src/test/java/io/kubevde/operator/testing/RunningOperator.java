package io.kubevde.operator.testing;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.operator.KubevdeOperator;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.testing.KubeApi;

/**
 * The operator running in the test JVM against the test API server, with its own client; close to
 * stop it.
 */
public final class RunningOperator implements AutoCloseable {
  private final KubernetesClient client;
  private final KubevdeOperator operator;

  /**
   * Starts an operator.
   *
   * @param cfg configuration
   */
  public RunningOperator(OperatorConfig cfg) {
    this.client = KubeApi.withKubevdeCrds().client();
    this.operator = new KubevdeOperator(client, cfg);
    operator.start();
  }

  /**
   * @return the operator
   */
  public KubevdeOperator operator() {
    return operator;
  }

  @Override
  public void close() {
    try {
      operator.close();
    } finally {
      client.close();
    }
  }
}
