package io.kubevde.operator.bench;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.testing.Fixtures;
import io.kubevde.testing.KubeApi;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Apply-to-Ready latency of VdeNetworks: a real kube-apiserver + etcd (kube-api-test), the operator
 * started as a user would ({@code java -jar operator.jar} with a kubeconfig file, leader election
 * on), N networks created at once from 16 threads; for each, the time from just before its create
 * call until a watch sees Ready=True. Prints {@code RESULT apply_to_ready_p50_ms=<t>
 * apply_to_ready_p99_ms=<t>} (nearest-rank percentiles).
 *
 * <p>Usage: {@code ApplyToReadyBench <operator.jar> [networks=50]}.
 */
public final class ApplyToReadyBench {
  private ApplyToReadyBench() {}

  /**
   * @param args operator jar path, optional network count
   * @throws Exception on any failure (the bench prints no RESULT then)
   */
  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args[0]);
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 50;
    String kubeconfig = KubeApi.withKubevdeCrds().kubeConfigYaml();
    Path kc = Files.createTempFile("kubevde-bench-", ".kubeconfig");
    Files.writeString(kc, kubeconfig);
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process operator = null;
    try (KubernetesClient client = KubeApi.withKubevdeCrds().client()) {
      String opNs = KubeApi.newNamespace(client, "kubevde-bench");
      String ns = KubeApi.newNamespace(client, "bench");
      File log = Files.createTempFile("kubevde-bench-operator-", ".log").toFile();
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  jar.toString(),
                  "--namespace=" + opNs,
                  "--http-port=" + port,
                  "--leader-election")
              .redirectErrorStream(true)
              .redirectOutput(log);
      pb.environment().put("KUBECONFIG", kc.toString());
      operator = pb.start();
      System.err.println(
          "bench: operator pid " + operator.pid() + " (java -jar " + jar + "), log " + log);
      waitReady(port, operator);

      Map<String, Long> created = new ConcurrentHashMap<>();
      Map<String, Long> readyAt = new ConcurrentHashMap<>();
      SharedIndexInformer<VdeNetwork> inf =
          client
              .resources(VdeNetwork.class)
              .inNamespace(ns)
              .inform(
                  new ResourceEventHandler<>() {
                    @Override
                    public void onAdd(VdeNetwork n) {
                      seen(n);
                    }

                    @Override
                    public void onUpdate(VdeNetwork o, VdeNetwork n) {
                      seen(n);
                    }

                    @Override
                    public void onDelete(VdeNetwork n, boolean unknown) {}

                    private void seen(VdeNetwork n) {
                      if (Fixtures.ready(n))
                        readyAt.putIfAbsent(n.getMetadata().getName(), System.nanoTime());
                    }
                  });
      // one warm-up network (class loading, first server-side applies) is not measured
      create(client, ns, "warmup", created);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!readyAt.containsKey("warmup")) {
        if (System.nanoTime() > deadline)
          throw new IllegalStateException("warm-up network never became Ready");
        Thread.sleep(20);
      }
      ExecutorService pool = Executors.newFixedThreadPool(16);
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        String name = "net" + i;
        fs.add(pool.submit(() -> create(client, ns, name, created)));
      }
      for (Future<?> f : fs) f.get();
      pool.shutdown();
      deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (readyAt.size() < count + 1) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(
              "only " + (readyAt.size() - 1) + " of " + count + " became Ready");
        }
        Thread.sleep(20);
      }
      inf.close();
      double[] ms = new double[count];
      for (int i = 0; i < count; i++) {
        String n = "net" + i;
        ms[i] = (readyAt.get(n) - created.get(n)) / 1e6;
      }
      Arrays.sort(ms);
      System.out.printf(
          "bench: %d networks, min %.0f ms, max %.0f ms%n", count, ms[0], ms[count - 1]);
      System.out.printf(
          "RESULT apply_to_ready_p50_ms=%.0f apply_to_ready_p99_ms=%.0f%n",
          rank(ms, 0.50), rank(ms, 0.99));
    } finally {
      if (operator != null) {
        operator.destroy();
        if (!operator.waitFor(20, TimeUnit.SECONDS)) operator.destroyForcibly();
      }
      Files.deleteIfExists(kc);
    }
    System.exit(0); // the API server is stopped by KubeApi's shutdown hook
  }

  private static void create(
      KubernetesClient client, String ns, String name, Map<String, Long> created) {
    created.put(name, System.nanoTime());
    client
        .resources(VdeNetwork.class)
        .inNamespace(ns)
        .resource(VdeNetwork.of(ns, name, Fixtures.spec(null, null, null)))
        .create();
  }

  private static double rank(double[] sorted, double p) {
    int idx = (int) Math.ceil(p * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
  }

  private static void waitReady(int port, Process operator) throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline) {
      if (!operator.isAlive())
        throw new IllegalStateException("operator exited with " + operator.exitValue());
      try {
        if (http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode()
            == 200) {
          return;
        }
      } catch (java.io.IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("operator not ready after 120 s");
  }
}
