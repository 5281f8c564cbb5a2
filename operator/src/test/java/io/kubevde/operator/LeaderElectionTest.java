package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.testing.Fixtures;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.testing.KubeApi;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * With leader election on, the operator takes a Lease before reconciling; a second replica takes
 * over.
 */
class LeaderElectionTest {
  @Test
  void operatorHoldsALeaseAndAStandbyTakesOver() {
    try (KubernetesClient client = KubeApi.withKubevdeCrds().client()) {
      String opNs = KubeApi.newNamespace(client, "kubevde-system");
      String ns = KubeApi.newNamespace(client, "le");
      OperatorConfig cfg = OperatorConfig.defaults(opNs).withLeaderElection(true);
      RunningOperator first = new RunningOperator(cfg);
      try (RunningOperator standby = new RunningOperator(cfg)) {
        client
            .resources(VdeNetwork.class)
            .inNamespace(ns)
            .resource(VdeNetwork.of(ns, "a", spec(null, null, null)))
            .create();
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    Fixtures.ready(
                        client.resources(VdeNetwork.class).inNamespace(ns).withName("a").get()));
        Lease lease = client.leases().inNamespace(opNs).withName("kubevde-operator").get();
        assertThat(lease).isNotNull();
        String holder = lease.getSpec().getHolderIdentity();
        assertThat(holder).isNotBlank();

        first.close();
        first = null;
        // the standby acquires the lease (after the old one expires) and serves new networks
        await()
            .atMost(Duration.ofSeconds(120))
            .until(
                () -> {
                  Lease l = client.leases().inNamespace(opNs).withName("kubevde-operator").get();
                  return l != null
                      && l.getSpec().getHolderIdentity() != null
                      && !l.getSpec().getHolderIdentity().equals(holder);
                });
        client
            .resources(VdeNetwork.class)
            .inNamespace(ns)
            .resource(VdeNetwork.of(ns, "b", spec(null, null, null)))
            .create();
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    Fixtures.ready(
                        client.resources(VdeNetwork.class).inNamespace(ns).withName("b").get()));
      } finally {
        if (first != null) first.close();
      }
    }
  }
}
