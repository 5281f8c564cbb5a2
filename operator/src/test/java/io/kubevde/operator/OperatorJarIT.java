package io.kubevde.operator;

import static io.kubevde.operator.testing.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.testing.Fixtures;
import io.kubevde.testing.KubeApi;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged operator as a user runs it: {@code java -jar target/operator.jar} with a kubeconfig
 * file (leader election on), against the test API server. Runs in the integration-test phase (after
 * the jar is built).
 */
class OperatorJarIT {
  @Test
  void javaDashJarReconcilesWithAnyKubeconfigAndStopsCleanlyOnSigterm(@TempDir Path tmp)
      throws Exception {
    Path jar = Path.of("target/operator.jar");
    assertThat(jar).as("mvn package builds target/operator.jar").exists();
    Path kc = tmp.resolve("kubeconfig");
    Files.writeString(kc, KubeApi.withKubevdeCrds().kubeConfigYaml());
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (KubernetesClient client = KubeApi.withKubevdeCrds().client()) {
      String opNs = KubeApi.newNamespace(client, "kubevde-system");
      String ns = KubeApi.newNamespace(client, "jar");
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  jar.toString(),
                  "--namespace=" + opNs,
                  "--http-port=" + port,
                  "--no-multus")
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("operator.log").toFile());
      pb.environment().put("KUBECONFIG", kc.toString());
      Process p = pb.start();
      try {
        client
            .resources(VdeNetwork.class)
            .inNamespace(ns)
            .resource(VdeNetwork.of(ns, "a", spec(null, null, null)))
            .create();
        await()
            .atMost(Duration.ofSeconds(120))
            .until(
                () ->
                    Fixtures.ready(
                        client.resources(VdeNetwork.class).inNamespace(ns).withName("a").get()));
        assertThat(client.configMaps().inNamespace(opNs).withName("vnet." + ns + ".a").get())
            .as("the agent ConfigMap")
            .isNotNull();
        assertThat(client.leases().inNamespace(opNs).withName("kubevde-operator").get())
            .isNotNull();
        HttpResponse<String> m =
            HttpClient.newHttpClient()
                .send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString());
        assertThat(m.body()).contains("kubevde_operator_allocations_total");
        assertThat(m.body()).contains("jvm_memory_used_bytes", "process_cpu_usage");
        // the chart's uninstall hook: operator.jar cleanup, while the operator runs
        ProcessBuilder c =
            new ProcessBuilder(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-jar",
                    jar.toString(),
                    "cleanup",
                    "--namespace=" + opNs,
                    "--agent-selector=app.kubernetes.io/component=agent",
                    "--timeout=60")
                .redirectErrorStream(true)
                .redirectOutput(tmp.resolve("cleanup.log").toFile());
        c.environment().put("KUBECONFIG", kc.toString());
        Process cp = c.start();
        assertThat(cp.waitFor(90, TimeUnit.SECONDS)).as("cleanup ends").isTrue();
        assertThat(cp.exitValue())
            .as("cleanup exit code; log:%n%s", Files.readString(tmp.resolve("cleanup.log")))
            .isZero();
        assertThat(client.resources(VdeNetwork.class).inNamespace(ns).list().getItems()).isEmpty();
        assertThat(client.configMaps().inNamespace(opNs).withName("vnet." + ns + ".a").get())
            .as("the finalizer removed the agent ConfigMap")
            .isNull();
        // (the leader Lease is deleted after the operator Deployment is scaled to 0; this operator
        // is no Deployment and keeps renewing it: UninstallerTest and charts' ChartUninstallTest)
        p.destroy(); // SIGTERM
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("exits within 30 s of SIGTERM").isTrue();
      } finally {
        if (p.isAlive()) p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      assertThat(Files.readString(tmp.resolve("operator.log"))).contains("VdeNetwork " + ns + "/a");
    }
  }
}
