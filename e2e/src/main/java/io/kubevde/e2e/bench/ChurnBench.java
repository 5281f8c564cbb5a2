package io.kubevde.e2e.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kubevde.e2e.local.Cmd;
import io.kubevde.e2e.local.LocalCluster;
import io.kubevde.e2e.local.LocalNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * {@code bench/churn} (issue 12 point 10): ADD/DEL churn on the local cluster (3 nodes) with agents
 * killed by SIGKILL, then counts what is left behind. See {@code bench/churn} for the scenario and
 * the meaning of each number of the last line:
 *
 * <pre>RESULT cycles=… failed_adds=… try_again=… duplicate_ips=… leaked_ips=… leaked_taps=…
 * leaked_records=… agent_kills=… add_p99_ms=… api_writes_per_min=…</pre>
 *
 * Arguments: {@code [cycles]} (default 5000). System properties: {@code churn.parallel} (20),
 * {@code churn.killSeconds} (30; 0 = no kills), {@code churn.writesSeconds} (60), {@code
 * churn.reconcileSeconds} (10, given to the agents as {@code --reconcile-seconds}).
 */
public final class ChurnBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NS = "default";
  private static final String NET = "churn";
  private static final int IDLE_NETWORKS = 9;

  private final LocalCluster cluster;
  private final int cycles;
  private final int parallel;
  private final String nadConfig;
  private final AtomicInteger next = new AtomicInteger();
  private final AtomicInteger done = new AtomicInteger();
  private final AtomicInteger failedAdds = new AtomicInteger();
  private final AtomicInteger tryAgain = new AtomicInteger();
  private final AtomicInteger duplicates = new AtomicInteger();
  private final AtomicInteger failedDels = new AtomicInteger();
  private final AtomicInteger kills = new AtomicInteger();
  private final AtomicInteger chained = new AtomicInteger();
  private final AtomicInteger statics = new AtomicInteger();
  private final AtomicInteger gaveUp = new AtomicInteger();
  private static final Set<String> LIVE_NETNS = ConcurrentHashMap.newKeySet();
  private final AtomicLong seq = new AtomicLong();
  private final List<Long> addMillis = java.util.Collections.synchronizedList(new ArrayList<>());
  private final Map<String, String> liveIps = new ConcurrentHashMap<>();
  private final Map<String, Integer> failures = new ConcurrentHashMap<>();
  private volatile boolean stop;

  private ChurnBench(LocalCluster cluster, int cycles, int parallel, String nadConfig) {
    this.cluster = cluster;
    this.cycles = cycles;
    this.parallel = parallel;
    this.nadConfig = nadConfig;
  }

  /** Entry point: {@code [cycles]}; prints progress and the RESULT line last. */
  public static void main(String[] args) throws Exception {
    int cycles = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int parallel = Integer.getInteger("churn.parallel", 20);
    int killSeconds = Integer.getInteger("churn.killSeconds", 30);
    int writesSeconds = Integer.getInteger("churn.writesSeconds", 60);
    int reconcileSeconds = Integer.getInteger("churn.reconcileSeconds", 10);
    LocalCluster[] ref = new LocalCluster[1];
    Thread hook =
        new Thread(
            () -> {
              for (String n : LIVE_NETNS) Cmd.run("ip", "netns", "del", n);
              if (ref[0] != null) ref[0].close();
            });
    Runtime.getRuntime().addShutdownHook(hook);
    String result;
    try (LocalCluster c =
        LocalCluster.start(
            3, System.out, List.of("--reconcile-seconds", Integer.toString(reconcileSeconds)))) {
      ref[0] = c;
      String conf = setUp(c, parallel);
      ChurnBench b = new ChurnBench(c, cycles, parallel, conf);
      result = b.run(killSeconds, writesSeconds, reconcileSeconds);
      ref[0] = null;
    }
    Runtime.getRuntime().removeShutdownHook(hook);
    System.out.println(result);
    System.exit(0);
  }

  /** The churn network, 9 idle ones (10 networks × 3 nodes), one Pod object per chained worker. */
  private static String setUp(LocalCluster c, int parallel) {
    StringBuilder y = new StringBuilder();
    for (int i = 0; i <= IDLE_NETWORKS; i++) {
      String name = i == 0 ? NET : "idle-" + i;
      // the churn network leaves 10.80.0.0/24 outside every node block: static addresses
      String range = i == 0 ? "rangeStart: 10.80.1.0, rangeEnd: 10.80.255.200, " : "";
      y.append(
          """
          apiVersion: kubevde.io/v1alpha1
          kind: VdeNetwork
          metadata: {name: %s, namespace: %s}
          spec:
            transport: vxvde
            ipam: {type: host-local, subnet: 10.%d.0.0/16, %sgateway: 10.%d.0.1}
          ---
          """
              .formatted(name, NS, 80 + i, range, 80 + i));
    }
    for (int w = 0; w < parallel; w++) {
      y.append(
          """
          apiVersion: v1
          kind: Pod
          metadata:
            name: chained-%d
            namespace: %s
            annotations: {kubevde.io/networks: %s/%s}
          spec:
            containers: [{name: c, image: registry.local/none}]
          ---
          """
              .formatted(w, NS, NS, NET));
    }
    c.kubectlStdin(y.toString(), "apply", "-f", "-");
    for (int i = 0; i <= IDLE_NETWORKS; i++) {
      c.kubectl(
          "wait",
          "--for=condition=Ready",
          "--timeout=180s",
          "vnet/" + (i == 0 ? NET : "idle-" + i),
          "-n",
          NS);
    }
    return c.nadConfig(NS, NET, 60_000);
  }

  private String run(int killSeconds, int writesSeconds, int reconcileSeconds) throws Exception {
    // every agent has the network's configuration before the first ADD
    for (LocalNode n : cluster.nodes()) waitFor(() -> Files.isDirectory(n.networkDir(NS, NET)));
    long t0 = System.currentTimeMillis();
    Thread killer = Thread.ofPlatform().name("churn-killer").start(() -> killLoop(killSeconds));
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    List<Future<?>> fs = new ArrayList<>();
    for (int w = 0; w < parallel; w++) {
      int worker = w;
      fs.add(pool.submit(() -> workLoop(worker)));
    }
    Thread progress =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (!stop) {
                    sleep(30_000);
                    say(
                        "progress: "
                            + done.get()
                            + "/"
                            + cycles
                            + " cycles, try_again="
                            + tryAgain
                            + " failed_adds="
                            + failedAdds
                            + " kills="
                            + kills);
                  }
                });
    for (Future<?> f : fs) f.get();
    stop = true;
    killer.join();
    progress.interrupt();
    pool.shutdown();
    long churnMs = System.currentTimeMillis() - t0;
    say("churn done in " + churnMs / 1000 + " s; agents up, then GC and the reconcile loop");
    for (LocalNode n : cluster.nodes()) if (!n.agent().alive()) restart(n);
    say("before GC and reconcile: " + leaks());
    gc();
    sleep((2L * reconcileSeconds + 5) * 1000);
    sleep(12_000); // a heartbeat: the VdeNodes report what is left
    Leaks leaks = leaks();
    say("left behind: " + leaks);
    say("API writes at steady state (10 networks x 3 nodes) over " + writesSeconds + " s...");
    Map<String, Double> before = writes();
    sleep(writesSeconds * 1000L);
    Map<String, Double> after = writes();
    Map<String, Double> delta = new java.util.TreeMap<>();
    after.forEach(
        (k, v) -> {
          double d = v - before.getOrDefault(k, 0.0);
          if (d > 0) delta.put(k, d);
        });
    double perMin =
        delta.values().stream().mapToDouble(Double::doubleValue).sum() * 60.0 / writesSeconds;
    say("API writes by resource: " + delta);
    List<Long> sorted;
    synchronized (addMillis) {
      sorted = new ArrayList<>(addMillis);
    }
    sorted.sort(null);
    say(
        "cycles: "
            + done.get()
            + " ("
            + chained
            + " chained, "
            + statics
            + " static) in "
            + churnMs / 1000
            + " s; add p50 "
            + pct(sorted, 50)
            + " ms; failed DELs "
            + failedDels
            + "; failure messages: "
            + failures);
    return "RESULT cycles=%d failed_adds=%d try_again=%d duplicate_ips=%d leaked_ips=%d leaked_taps=%d leaked_records=%d agent_kills=%d add_p99_ms=%d api_writes_per_min=%.1f"
        .formatted(
            done.get(),
            failedAdds.get(),
            tryAgain.get(),
            duplicates.get(),
            leaks.ips(),
            leaks.taps(),
            leaks.records(),
            kills.get(),
            pct(sorted, 99),
            perMin);
  }

  /** SIGKILL of a random agent about every {@code seconds} s, restarted ~1 s later. */
  private void killLoop(int seconds) {
    if (seconds <= 0) return;
    while (!stop) {
      long wait = (long) (seconds * 1000 * ThreadLocalRandom.current().nextDouble(0.8, 1.2));
      long end = System.currentTimeMillis() + wait;
      while (!stop && System.currentTimeMillis() < end) sleep(200);
      if (stop) return;
      LocalNode n =
          cluster.nodes().get(ThreadLocalRandom.current().nextInt(cluster.nodes().size()));
      say("kill -9 agent on " + n.name() + " (pid " + n.agent().pid() + ")");
      n.killAgent();
      kills.incrementAndGet();
      sleep(1000);
      restart(n);
    }
  }

  /** Starts the node's agent; one that is not ready in 3 min is killed and started again. */
  private static void restart(LocalNode n) {
    for (int attempt = 1; ; attempt++) {
      try {
        n.startAgent(180_000);
        return;
      } catch (RuntimeException e) {
        String m = String.valueOf(e.getMessage());
        say(
            "agent on "
                + n.name()
                + " did not come back (attempt "
                + attempt
                + "): "
                + m.substring(0, Math.min(m.length(), 2000)));
        if (n.agent() != null && n.agent().alive()) n.killAgent();
        sleep(1000);
      }
    }
  }

  private void workLoop(int worker) {
    while (next.getAndIncrement() < cycles) {
      try {
        cycle(worker);
      } catch (RuntimeException e) {
        failures.merge("cycle: " + e.getMessage(), 1, Integer::sum);
      }
      done.incrementAndGet();
    }
  }

  /** One pod: sandbox, ADD (retried as a kubelet does), a short life, DEL, sandbox gone. */
  private void cycle(int worker) {
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    LocalNode node = cluster.nodes().get(rnd.nextInt(cluster.nodes().size()));
    String netns = "kvc" + cluster.underlay().index() + "-" + worker + "-" + seq.incrementAndGet();
    LIVE_NETNS.add(netns);
    try {
      sandbox(netns);
      double kind = rnd.nextDouble();
      boolean chain = kind < 0.4;
      boolean fixed = !chain && kind < 0.6;
      if (chain) chained.incrementAndGet();
      if (fixed) statics.incrementAndGet();
      String pod = chain ? "chained-" + worker : "churn-" + netns;
      String config = chain ? chainedConfig(netns) : fixed ? staticConfig(worker) : nadConfig;
      String ifName = chain ? "eth0" : "net1";
      Attempt ok = null;
      long giveUp = System.currentTimeMillis() + 600_000;
      while (ok == null && System.currentTimeMillis() < giveUp) {
        String cid = containerId();
        Attempt a = cni("ADD", node, netns, cid, ifName, pod, config);
        if (a.exit() == 0) {
          ok = a;
          addMillis.add(a.millis());
          break;
        }
        int code = a.code();
        if (code == 11) {
          tryAgain.incrementAndGet();
        } else {
          failedAdds.incrementAndGet();
          failures.merge("ADD " + code + ": " + a.message(), 1, Integer::sum);
        }
        // the kubelet tears the failed sandbox's networking down before the next attempt
        del(node, netns, cid, ifName, pod, config, null);
        sleep(500 + rnd.nextInt(500));
      }
      if (ok == null) {
        gaveUp.incrementAndGet();
        return;
      }
      List<String> ips = ips(ok.json(), chain);
      for (String ip : ips) {
        String holder = node.name() + "/" + netns;
        String prev = liveIps.putIfAbsent(ip, holder);
        if (prev != null) {
          duplicates.incrementAndGet();
          failures.merge("duplicate " + ip + " (" + prev + " and " + holder + ")", 1, Integer::sum);
        }
      }
      sleep(rnd.nextInt(200));
      del(node, netns, ok.cid(), ifName, pod, config, ok.json());
      for (String ip : ips) liveIps.remove(ip, node.name() + "/" + netns);
    } finally {
      // a killed `ip netns del` (OOM under load) can leave the file: retried
      for (int i = 0; i < 3 && Files.exists(Path.of("/var/run/netns", netns)); i++) {
        Cmd.run("ip", "netns", "del", netns);
      }
      LIVE_NETNS.remove(netns);
    }
  }

  /**
   * Creates the pod sandbox's netns with lo up; {@code ip netns add} run 20 at a time fails now and
   * then under load (it leaves an empty file, no namespace): removed and retried.
   */
  private void sandbox(String netns) {
    Cmd.Result r = null;
    for (int i = 0; i < 5; i++) {
      r = Cmd.run("ip", "netns", "add", netns);
      if (r.ok() && Cmd.run("ip", "-n", netns, "link", "set", "lo", "up").ok()) return;
      failures.merge("sandbox: " + r.err().strip(), 1, Integer::sum);
      Cmd.run("ip", "netns", "del", netns);
      sleep(200);
    }
    throw new IllegalStateException("cannot create netns " + netns + ": " + r.err());
  }

  private void del(
      LocalNode node,
      String netns,
      String cid,
      String ifName,
      String pod,
      String config,
      JsonNode prev) {
    String c = prev == null ? config : withPrevResult(config, prev);
    for (int i = 0; i < 20; i++) {
      Attempt d = cni("DEL", node, netns, cid, ifName, pod, c);
      if (d.exit() == 0) return;
      failedDels.incrementAndGet();
      failures.merge("DEL " + d.code() + ": " + d.message(), 1, Integer::sum);
      sleep(1000);
    }
  }

  private record Attempt(String cid, int exit, String out, String err, long millis) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (IOException e) {
        return JSON.createObjectNode();
      }
    }

    int code() {
      return json().path("code").asInt(-1);
    }

    String message() {
      String m = json().path("msg").asText("") + " " + json().path("details").asText("");
      m = m.replaceAll("[0-9a-f]{64}", "<cid>").replaceAll("kvc[0-9]+-[0-9]+-[0-9]+", "<netns>");
      m = m.replaceAll("10\\.80\\.[0-9.]+", "<ip>");
      return m.isBlank() ? "exit " + exit + " " + err.strip() : m.strip();
    }
  }

  /** The CNI binary run as a runtime does, from the node's host network. */
  private Attempt cni(
      String command,
      LocalNode node,
      String netns,
      String cid,
      String ifName,
      String pod,
      String config) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", cid);
    env.put("CNI_NETNS", netns.isEmpty() ? "" : "/var/run/netns/" + netns);
    env.put("CNI_IFNAME", ifName);
    env.put(
        "CNI_ARGS",
        "IgnoreUnknown=1;K8S_POD_NAMESPACE="
            + NS
            + ";K8S_POD_NAME="
            + pod
            + ";K8S_POD_INFRA_CONTAINER_ID="
            + cid
            + ";K8S_POD_UID=uid-"
            + netns);
    env.put("CNI_PATH", cluster.repo().cniBinDir().toString());
    env.put("KUBEVDE_AGENT_SOCKET", node.cniSocket().toString());
    Cmd.Result r =
        Cmd.run(
            node.netns(),
            env,
            config,
            150,
            List.of(cluster.repo().cniBinDir().resolve("kubevde").toString()));
    return new Attempt(cid, r.exit(), r.out(), r.err(), r.millis());
  }

  private String staticConfig(int worker) {
    try {
      ObjectNode o = (ObjectNode) JSON.readTree(nadConfig);
      o.putObject("runtimeConfig").putArray("ips").add("10.80.0." + (100 + worker) + "/16");
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** kubevde chained after a primary that made eth0 (its prevResult), asked for by annotation. */
  private static String chainedConfig(String netns) {
    return """
        {"cniVersion":"1.1.0","name":"churn-chain","type":"kubevde","prevResult":{"cniVersion":"1.1.0",\
        "interfaces":[{"name":"eth0","sandbox":"/var/run/netns/%s"}],"ips":[]}}"""
        .formatted(netns);
  }

  private static String withPrevResult(String config, JsonNode prev) {
    try {
      ObjectNode o = (ObjectNode) JSON.readTree(config);
      o.set("prevResult", prev);
      return JSON.writeValueAsString(o);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The kubevde addresses of a result (chained: of the interfaces after the primary's). */
  private static List<String> ips(JsonNode result, boolean chain) {
    List<String> out = new ArrayList<>();
    for (JsonNode ip : result.path("ips")) {
      String a = ip.path("address").asText("");
      if (a.startsWith("10.80.")) out.add(a.replaceAll("/.*", ""));
    }
    return out;
  }

  private static String containerId() {
    byte[] b = new byte[32];
    ThreadLocalRandom.current().nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** CNI GC on every node for both configs (NAD and chained) with no valid attachment. */
  private void gc() throws IOException {
    for (String base : List.of(nadConfig, chainedConfig("none"))) {
      ObjectNode o = (ObjectNode) JSON.readTree(base);
      o.remove("prevResult");
      o.put("cniVersion", "1.1.0");
      o.putArray("cni.dev/valid-attachments");
      String conf = JSON.writeValueAsString(o);
      for (LocalNode n : cluster.nodes()) {
        Attempt r = cni("GC", n, "", "", "", "gc", conf);
        if (r.exit() != 0) say("GC on " + n.name() + ": " + r.out() + r.err());
      }
    }
  }

  /** What is left behind after the churn (no pod remains). */
  record Leaks(int ips, int taps, int records, String detail) {}

  private Leaks leaks() throws IOException {
    int ips = 0;
    int records = 0;
    int taps = 0;
    StringBuilder detail = new StringBuilder();
    for (LocalNode n : cluster.nodes()) {
      Path ipam = n.stateDir().resolve("ipam");
      int nIps = 0;
      if (Files.isDirectory(ipam)) {
        try (Stream<Path> s = Files.walk(ipam)) {
          nIps =
              (int)
                  s.filter(Files::isRegularFile)
                      .filter(p -> !p.getFileName().toString().startsWith("last_reserved_ip"))
                      .filter(p -> !p.getFileName().toString().startsWith("."))
                      .count();
        }
      }
      int nRecs = 0;
      Path att = n.stateDir().resolve("attachments");
      if (Files.isDirectory(att)) {
        try (Stream<Path> s = Files.list(att)) {
          nRecs = (int) s.filter(p -> p.toString().endsWith(".json")).count();
        }
      }
      // tap fds the agent still holds (each keeps a pod netns alive) + kubevde links in the node
      int fds = tunFds(n.agent().pid());
      int links = 0;
      Cmd.Result l = Cmd.run(n.netns(), Map.of(), null, 30, List.of("ip", "-d", "link", "show"));
      for (String line : l.out().split("\n")) if (line.contains("alias kubevde")) links++;
      // the API: attachments the VdeNode still reports
      Cmd.Result v =
          cluster.kubectlResult(
              null, "get", "vdenode", n.name(), "-o", "jsonpath={.status.attachments}");
      int api = v.ok() && !v.out().isBlank() ? Integer.parseInt(v.out().strip()) : 0;
      ips += nIps;
      records += Math.max(nRecs, api);
      taps += fds + links;
      detail.append(
          "%s: reservations=%d records=%d vdenode_attachments=%d tap_fds=%d node_links=%d; "
              .formatted(n.name(), nIps, nRecs, api, fds, links));
    }
    // bench pod netns still there (a namespace is an nsfs mount; an empty file holds nothing)
    String mounts = Files.readString(Path.of("/proc/mounts"));
    try (Stream<Path> s = Files.list(Path.of("/var/run/netns"))) {
      List<String> left =
          s.map(p -> p.getFileName().toString())
              .filter(n -> n.startsWith("kvc" + cluster.underlay().index() + "-"))
              .toList();
      long live = left.stream().filter(n -> mounts.contains("/netns/" + n + " nsfs ")).count();
      taps += (int) live;
      detail
          .append("bench netns left=")
          .append(live)
          .append(" (+")
          .append(left.size() - live)
          .append(" empty netns files)");
    }
    return new Leaks(ips, taps, records, detail.toString());
  }

  private static int tunFds(long pid) {
    int n = 0;
    List<ProcessHandle> procs = new ArrayList<>();
    ProcessHandle.of(pid).ifPresent(procs::add);
    ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(procs::add));
    for (ProcessHandle p : procs) {
      try (Stream<Path> s = Files.list(Path.of("/proc/" + p.pid() + "/fd"))) {
        for (Path fd : (Iterable<Path>) s::iterator) {
          try {
            if (Files.readSymbolicLink(fd).toString().equals("/dev/net/tun")) n++;
          } catch (IOException ignored) {
            // closed meanwhile
          }
        }
      } catch (IOException ignored) {
        // gone
      }
    }
    return n;
  }

  /** Write requests so far by "resource[/subresource] VERB", from the API server's /metrics. */
  private Map<String, Double> writes() {
    String body = cluster.kubectl("get", "--raw", "/metrics");
    Map<String, Double> out = new java.util.TreeMap<>();
    var line =
        java.util.regex.Pattern.compile(
            "^apiserver_request_total\\{([^}]*)\\} ([0-9.e+]+)$",
            java.util.regex.Pattern.MULTILINE);
    var label = java.util.regex.Pattern.compile("(\\w+)=\"([^\"]*)\"");
    var m = line.matcher(body);
    while (m.find()) {
      Map<String, String> labels = new java.util.TreeMap<>();
      var l = label.matcher(m.group(1));
      while (l.find()) labels.put(l.group(1), l.group(2));
      String verb = labels.getOrDefault("verb", "");
      if (!List.of("POST", "PUT", "PATCH", "APPLY", "DELETE").contains(verb)) continue;
      String sub = labels.getOrDefault("subresource", "");
      out.merge(
          labels.getOrDefault("resource", "") + (sub.isEmpty() ? "" : "/" + sub) + " " + verb,
          Double.parseDouble(m.group(2)),
          Double::sum);
    }
    return out;
  }

  private static long pct(List<Long> sorted, int p) {
    if (sorted.isEmpty()) return 0;
    int i = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, i)));
  }

  private static void waitFor(java.util.function.BooleanSupplier c) {
    long end = System.currentTimeMillis() + 120_000;
    while (!c.getAsBoolean()) {
      if (System.currentTimeMillis() > end) throw new IllegalStateException("timed out");
      sleep(200);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void say(String s) {
    System.out.println("==> " + s);
  }
}
