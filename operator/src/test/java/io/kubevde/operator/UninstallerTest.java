package io.kubevde.operator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.apps.DaemonSetBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.testing.Fixtures;
import io.kubevde.operator.testing.RunningOperator;
import io.kubevde.operator.uninstall.Uninstaller;
import io.kubevde.testing.KubeApi;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code operator.jar cleanup} (the chart's pre-delete hook) against a real kube-apiserver with the
 * operator running: a network pods still use stops the uninstall with a message naming it; with
 * force, nothing kubevde is left (networks, finalizers, agent ConfigMaps, VdeNodes, the agent
 * DaemonSet and heartbeat Leases).
 */
class UninstallerTest {
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final Map<String, String> AGENT =
      Map.of("app.kubernetes.io/component", "agent", "app.kubernetes.io/instance", "u");

  @Test
  void aNetworkInUseStopsTheUninstallAndForceRemovesEverything() {
    try (KubernetesClient client = KubeApi.withKubevdeCrds().client()) {
      String opNs = KubeApi.newNamespace(client, "kubevde-system");
      String ns = KubeApi.newNamespace(client, "uninstall");
      try (RunningOperator op = new RunningOperator(OperatorConfig.defaults(opNs))) {
        for (String name : new String[] {"busy", "free"}) {
          client
              .resources(VdeNetwork.class)
              .inNamespace(ns)
              .resource(VdeNetwork.of(ns, name, Fixtures.spec(null, null, null)))
              .create();
        }
        await().atMost(WAIT).until(() -> Fixtures.ready(network(client, ns, "busy")));
        await().atMost(WAIT).until(() -> Fixtures.ready(network(client, ns, "free")));
        String node = ns + "-node";
        VdeNode report = Fixtures.vdeNode(node, "10.0.0.7", ns, "busy", true, 2, Instant.now());
        var status = report.getStatus();
        VdeNode created = client.resources(VdeNode.class).resource(report).create();
        created.setStatus(status);
        client.resources(VdeNode.class).resource(created).updateStatus();
        await()
            .atMost(WAIT)
            .until(
                () ->
                    Integer.valueOf(2)
                        .equals(network(client, ns, "busy").getStatus().attachments()));
        client
            .apps()
            .daemonSets()
            .inNamespace(opNs)
            .resource(
                new DaemonSetBuilder()
                    .withNewMetadata()
                    .withName("u-kubevde-agent")
                    .withLabels(AGENT)
                    .endMetadata()
                    .withNewSpec()
                    .withNewSelector()
                    .withMatchLabels(AGENT)
                    .endSelector()
                    .withNewTemplate()
                    .withNewMetadata()
                    .withLabels(AGENT)
                    .endMetadata()
                    .withNewSpec()
                    .addNewContainer()
                    .withName("agent")
                    .withImage("example/agent:1")
                    .endContainer()
                    .endSpec()
                    .endTemplate()
                    .endSpec()
                    .build())
            .create();
        client
            .leases()
            .inNamespace(opNs)
            .resource(
                new LeaseBuilder()
                    .withNewMetadata()
                    .withName("kubevde-node-" + node)
                    .addToLabels(Names.LABEL_MANAGED_BY, "kubevde-agent")
                    .endMetadata()
                    .withNewSpec()
                    .withHolderIdentity(node)
                    .endSpec()
                    .build())
            .create();
        String selector = "app.kubernetes.io/component=agent,app.kubernetes.io/instance=u";

        Uninstaller.Plan plan =
            new Uninstaller.Plan(opNs, selector, null, null, null, Duration.ofSeconds(5), false);
        assertThatThrownBy(() -> new Uninstaller(client, plan).run())
            .isInstanceOf(Uninstaller.UninstallException.class)
            .hasMessageContaining(ns + "/busy")
            .hasMessageContaining("DeletionBlocked")
            .hasMessageContaining("cleanup.force=true");
        assertThat(network(client, ns, "free")).as("an unused network is gone").isNull();
        assertThat(client.configMaps().inNamespace(opNs).withName("vnet." + ns + ".free").get())
            .as("its agent ConfigMap too (operator's finalizer)")
            .isNull();
        assertThat(client.apps().daemonSets().inNamespace(opNs).withName("u-kubevde-agent").get())
            .as("agents keep running while a network is in use")
            .isNotNull();

        assertThat(client.configMaps().inNamespace(opNs).withName("vnet." + ns + ".busy").get())
            .as("the network in use keeps its agent ConfigMap")
            .isNotNull();
        assertThat(network(client, ns, "busy").getMetadata().getFinalizers())
            .contains(Names.FINALIZER);

        new Uninstaller(
                client,
                new Uninstaller.Plan(opNs, selector, null, null, null, Duration.ofSeconds(5), true))
            .run();
        assertThat(client.resources(VdeNetwork.class).inAnyNamespace().list().getItems()).isEmpty();
        assertThat(client.resources(VdeNode.class).list().getItems()).isEmpty();
        assertThat(client.apps().daemonSets().inNamespace(opNs).list().getItems()).isEmpty();
        assertThat(client.leases().inNamespace(opNs).list().getItems()).isEmpty();
        assertThat(
                client
                    .configMaps()
                    .inNamespace(opNs)
                    .withLabel(Names.LABEL_MANAGED_BY, Names.MANAGER)
                    .list()
                    .getItems())
            .isEmpty();
      }
    }
  }

  private static VdeNetwork network(KubernetesClient c, String ns, String name) {
    return c.resources(VdeNetwork.class).inNamespace(ns).withName(name).get();
  }
}
