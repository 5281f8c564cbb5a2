package io.kubevde.chart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.kubevde.api.v1alpha1.Ipam;
import io.kubevde.api.v1alpha1.LinkPath;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeLink;
import io.kubevde.api.v1alpha1.VdeLinkSpec;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import io.kubevde.api.v1alpha1.VdeNode;
import io.kubevde.api.v1alpha1.VdeNodeSpec;
import io.kubevde.operator.CleanupCommand;
import io.kubevde.operator.KubevdeOperator;
import io.kubevde.operator.OperatorConfig;
import io.kubevde.operator.model.Conditions;
import io.kubevde.operator.uninstall.Uninstaller;
import io.kubevde.testing.KubeApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code helm install} then {@code helm uninstall} (helm-java; the uninstall in its own JVM, see
 * {@link HelmUninstall}) against a real kube-apiserver v1.34 with the operator running under the
 * chart's ServiceAccount: after the uninstall no VdeNetwork, VdeLink, VdeNode, finalizer,
 * DaemonSet, Lease or chart object is left. There is no kubelet or job controller here, so the
 * pre-delete hook Job's pod is played by the test: it runs what the Job's container would ({@code
 * operator.jar cleanup} with the Job's arguments, through picocli) as the hook's ServiceAccount
 * (impersonation, so the hook's RBAC is what is tested), then marks the Job complete as the job
 * controller would.
 */
class ChartUninstallTest {
  static final String RELEASE = "un";
  static final String FULLNAME = "un-kubevde";
  @TempDir static Path tmp;

  @Test
  void helmUninstallLeavesNoKubevdeObjectFinalizerOrDaemonSet() throws Exception {
    String ns;
    Path kubeconfig =
        Files.writeString(tmp.resolve("kubeconfig"), KubeApi.withoutCrds().kubeConfigYaml());
    try (KubernetesClient admin = KubeApi.withoutCrds().client()) {
      ns = KubeApi.newNamespace(admin, "kubevde-un");
    }
    new Helm(Chart.dir())
        .install()
        .withName(RELEASE)
        .withNamespace(ns)
        .withKubeConfig(kubeconfig)
        .call();
    try (KubernetesClient admin = KubeApi.withoutCrds().client()) {
      for (String crd :
          List.of("vdenetworks.kubevde.io", "vdelinks.kubevde.io", "vdenodes.kubevde.io")) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    KubeApi.established(
                        admin
                            .apiextensions()
                            .v1()
                            .customResourceDefinitions()
                            .withName(crd)
                            .get()));
      }
      assertThat(admin.apps().daemonSets().inNamespace(ns).withName(FULLNAME + "-agent").get())
          .as("helm install created the agent DaemonSet")
          .isNotNull();
      OperatorConfig cfg =
          RenderedOperator.of(
                  List.of(
                      admin
                          .apps()
                          .deployments()
                          .inNamespace(ns)
                          .withName(FULLNAME + "-operator")
                          .get()),
                  FULLNAME)
              .config()
              .withLeaderElection(false);
      String appNs = KubeApi.newNamespace(admin, "un-apps");
      try (KubernetesClient asOperator = KubeApi.withoutCrds().as(ns, FULLNAME + "-operator");
          KubevdeOperator op = new KubevdeOperator(asOperator, cfg)) {
        op.start();
        // what a running cluster has: a network with its finalizer, a link, an agent's VdeNode and
        // heartbeat Lease, the operator's leader Lease
        admin
            .resources(VdeNetwork.class)
            .inNamespace(appNs)
            .resource(
                VdeNetwork.of(
                    appNs,
                    "blue",
                    new VdeNetworkSpec(
                        Transport.VXVDE,
                        null,
                        null,
                        null,
                        null,
                        null,
                        new Ipam(null, "10.78.0.0/24", null, null, null, null, null),
                        null,
                        null,
                        null)))
            .create();
        await()
            .atMost(Duration.ofSeconds(90))
            .until(
                () ->
                    ready(
                        admin
                            .resources(VdeNetwork.class)
                            .inNamespace(appNs)
                            .withName("blue")
                            .get()));
        assertThat(
                admin
                    .resources(VdeNetwork.class)
                    .inNamespace(appNs)
                    .withName("blue")
                    .get()
                    .getMetadata()
                    .getFinalizers())
            .isNotEmpty();
        VdeLink link = new VdeLink();
        link.setMetadata(new ObjectMetaBuilder().withNamespace(appNs).withName("up").build());
        link.setSpec(
            new VdeLinkSpec(
                "blue", null, null, null, List.of(new LinkPath("a", "udp://10.78.1.1:5000"))));
        admin.resource(link).create();
        VdeNode node = new VdeNode();
        node.setMetadata(new ObjectMetaBuilder().withName(appNs + "-n1").build());
        node.setSpec(new VdeNodeSpec("10.78.0.1", "0.1.0"));
        admin.resource(node).create();
        for (String lease : List.of("kubevde-node-" + appNs + "-n1", "kubevde-operator")) {
          admin
              .leases()
              .inNamespace(ns)
              .resource(
                  new LeaseBuilder()
                      .withNewMetadata()
                      .withName(lease)
                      .addToLabels(
                          lease.startsWith("kubevde-node")
                              ? java.util.Map.of("app.kubernetes.io/managed-by", "kubevde-agent")
                              : java.util.Map.of())
                      .endMetadata()
                      .withNewSpec()
                      .withHolderIdentity("x")
                      .endSpec()
                      .build())
              .create();
        }

        Process uninstall = HelmUninstall.start(RELEASE, ns, kubeconfig, tmp.resolve("helm.log"));
        String jobName = FULLNAME + "-cleanup";
        Job job =
            await()
                .atMost(Duration.ofSeconds(120))
                .ignoreExceptions() // a slow API server (loaded CI machine) times a GET out
                .until(
                    () -> admin.batch().v1().jobs().inNamespace(ns).withName(jobName).get(),
                    j -> j != null);
        List<String> args =
            job.getSpec().getTemplate().getSpec().getContainers().getFirst().getArgs();
        assertThat(args.getFirst()).isEqualTo("cleanup");
        CleanupCommand cmd = new CleanupCommand();
        new CommandLine(cmd).parseArgs(args.subList(1, args.size()).toArray(String[]::new));
        String sa = job.getSpec().getTemplate().getSpec().getServiceAccountName();
        try (KubernetesClient asHook = KubeApi.withoutCrds().as(ns, sa)) {
          new Uninstaller(asHook, cmd.plan()).run();
        }
        markComplete(admin, job);
        try {
          assertThat(uninstall.waitFor(180, TimeUnit.SECONDS)).as("helm uninstall ends").isTrue();
          assertThat(uninstall.exitValue())
              .as("helm uninstall: %s", Files.readString(tmp.resolve("helm.log")))
              .isZero();
        } finally {
          uninstall.destroyForcibly();
        }
      }
      assertThat(admin.resources(VdeNetwork.class).inAnyNamespace().list().getItems())
          .as("no VdeNetwork (no finalizer stuck)")
          .isEmpty();
      assertThat(admin.resources(VdeLink.class).inAnyNamespace().list().getItems()).isEmpty();
      assertThat(admin.resources(VdeNode.class).list().getItems()).isEmpty();
      assertThat(admin.apps().daemonSets().inNamespace(ns).list().getItems()).isEmpty();
      assertThat(admin.apps().deployments().inNamespace(ns).list().getItems()).isEmpty();
      assertThat(admin.leases().inNamespace(ns).list().getItems()).isEmpty();
      assertThat(admin.batch().v1().jobs().inNamespace(ns).list().getItems())
          .as("the hook Job is deleted after success")
          .isEmpty();
      assertThat(admin.configMaps().inNamespace(ns).list().getItems())
          .extracting(c -> c.getMetadata().getName())
          .as("only the API server's own root CA ConfigMap")
          .allMatch(n -> n.equals("kube-root-ca.crt"));
      assertThat(admin.secrets().inNamespace(ns).list().getItems())
          .extracting(s -> s.getMetadata().getName())
          .noneMatch(n -> n.startsWith("vnet-key.") || n.startsWith("sh.helm.release"));
      assertThat(admin.serviceAccounts().inNamespace(ns).list().getItems())
          .extracting(HasMetadata::getMetadata)
          .noneMatch(m -> m.getName().startsWith(FULLNAME));
      assertThat(admin.rbac().clusterRoles().list().getItems())
          .noneMatch(r -> r.getMetadata().getName().startsWith(FULLNAME));
    }
  }

  private static boolean ready(VdeNetwork n) {
    return n != null
        && n.getStatus() != null
        && Conditions.isTrue(n.getStatus().conditions(), Conditions.READY);
  }

  /** What the job controller writes when the Job's pod succeeded. */
  private static void markComplete(KubernetesClient admin, Job job) {
    String now = Instant.now().toString();
    admin
        .batch()
        .v1()
        .jobs()
        .inNamespace(job.getMetadata().getNamespace())
        .withName(job.getMetadata().getName())
        .subresource("status")
        .patch(
            PatchContext.of(PatchType.JSON_MERGE),
            """
            {"status":{"startTime":"%s","completionTime":"%s","succeeded":1,"ready":0,
             "conditions":[
              {"type":"SuccessCriteriaMet","status":"True","lastProbeTime":"%s","lastTransitionTime":"%s",
               "reason":"CompletionsReached","message":"Reached expected number of succeeded pods"},
              {"type":"Complete","status":"True","lastProbeTime":"%s","lastTransitionTime":"%s",
               "reason":"CompletionsReached","message":"Reached expected number of succeeded pods"}]}}
            """
                .formatted(now, now, now, now, now, now));
  }
}
