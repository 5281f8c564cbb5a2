package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.Agent;
import io.kubevde.agent.AgentConfig;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The periodic clean-up pass (re-attach retries) running while pods come and go (found by {@code
 * bench/churn}): it used to take the {@code ready} record of an ADD in flight — written just before
 * the ADD attaches the tap — for a failed re-attach, opened the tap itself, and the ADD then failed
 * with {@code TUNSETIFF: Device or resource busy}; or it re-attached a pod between a DEL's detach
 * and record removal, leaving a switch port and a tap fd (which keeps the deleted pod's netns
 * alive). A real agent, real netns and taps, CNI through the socket.
 */
class ReconcileRaceTest {
  private Path dir;
  private Netns netns;
  private final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  @BeforeEach
  void setUp() throws Exception {
    Host.requireRoot();
    dir = Files.createTempDirectory("kvrace");
    netns = new Netns("kvrc");
  }

  @AfterEach
  void tearDown() throws IOException {
    if (netns != null) netns.close();
    Dirs.deleteTree(dir);
  }

  private CniPlugin.Outcome cni(Agent agent, String cmd, String id, String ns) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", cmd);
    env.put("CNI_CONTAINERID", id);
    env.put("CNI_NETNS", Netns.path(ns));
    env.put("CNI_IFNAME", "net1");
    env.put("CNI_PATH", "/opt/cni/bin");
    env.put("CNI_ARGS", "K8S_POD_NAMESPACE=default;K8S_POD_NAME=p-" + id);
    env.put(AgentProtocol.SOCKET_ENV, agent.config().cniSocket().toString());
    return plugin.run(
        env,
        "{\"cniVersion\":\"1.1.0\",\"name\":\"race\",\"type\":\"kubevde\","
            + "\"network\":\"default/race\",\"ipam\":{\"subnet\":\"10.77.62.0/24\"}}");
  }

  /** Open /dev/net/tun descriptors of this process (one per tap the data plane holds). */
  private static long tunFds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.filter(
              p -> {
                try {
                  return Files.readSymbolicLink(p).toString().equals("/dev/net/tun");
                } catch (IOException e) {
                  return false;
                }
              })
          .count();
    }
  }

  @Test
  void reconcileRunningUnderAddsAndDelsNeitherFailsAnAddNorLeaksATap() throws Exception {
    long fdsBefore = tunFds();
    try (Agent agent = new Agent(AgentConfig.standalone(dir, "n1"))) {
      agent.start();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger passes = new AtomicInteger();
      Thread reconciler =
          Thread.ofPlatform()
              .start(
                  () -> {
                    while (!stop.get()) {
                      agent.reconcileNow();
                      passes.incrementAndGet();
                    }
                  });
      List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          int worker = w;
          fs.add(
              pool.submit(
                  () -> {
                    for (int i = 0; i < 15; i++) {
                      String ns = netns.create();
                      String id = "w" + worker + "c" + i;
                      CniPlugin.Outcome add = cni(agent, "ADD", id, ns);
                      if (add.exitCode() != 0) failures.add("ADD " + id + ": " + add.stdout());
                      CniPlugin.Outcome del = cni(agent, "DEL", id, ns);
                      if (del.exitCode() != 0) failures.add("DEL " + id + ": " + del.stdout());
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) f.get(180, TimeUnit.SECONDS);
      } finally {
        stop.set(true);
        reconciler.join(30_000);
        pool.shutdownNow();
      }
      assertThat(passes.get()).as("reconcile passes during the churn").isGreaterThan(10);
      assertThat(failures).isEmpty();
      assertThat(agent.dataPlane().attachments()).as("switch ports left").isEmpty();
      assertThat(agent.store().list()).as("records left").isEmpty();
      assertThat(tunFds() - fdsBefore).as("tap fds left").isZero();
      assertThat(agent.attachments().unattached()).isEmpty();
    }
  }
}
