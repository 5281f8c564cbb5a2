package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.LinkPolicy;
import io.kubevde.agent.model.LinkSpec;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.testing.Dirs;
import java.lang.management.ManagementFactory;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lock order between {@link LinkManager} and {@link DataPlane} (LinkManager → DataPlane; the
 * data plane's listeners run outside its lock): a VdeLink path that hangs while opening (a vde://
 * switch that accepts but never answers, up to 20 s) must not stall the node's attachments, and
 * link edits racing network config updates (switches recreated, on-demand switches made and pruned)
 * never deadlock. Real switches (netnodes with rendezvous directories), no root needed.
 */
class LockOrderTest {
  private Path dir;
  private DataPlane dataPlane;
  private LinkManager links;

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("kvlock");
    dataPlane = new DataPlane(dir.resolve("run"), null, null);
    links = new LinkManager(dataPlane, new LinkPolicy(List.of("*"), Set.of()));
  }

  @AfterEach
  void tearDown() throws Exception {
    links.close();
    dataPlane.close();
    Dirs.deleteTree(dir);
  }

  private static AgentNetworkConfig network(String name, boolean hub) {
    return AgentNetworkConfigCodec.read(
        """
        {"namespace":"lock","name":"%s","uid":"u-%s","generation":1,"transport":"local",
         "switchMode":"%s","nodeSelector":{},"ipamType":"none","peers":[]}"""
            .formatted(name, name, hub ? "hub" : "learning"));
  }

  @Test
  void aLinkPathHangingWhileOpeningDoesNotStallTheNodesAttachments() throws Exception {
    dataPlane.apply(network("blue", false));
    // a vde:// "switch" whose ctl socket accepts connections (backlog) but never answers
    Path hung = Files.createDirectories(dir.resolve("hung"));
    try (ServerSocketChannel ctl = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      ctl.bind(UnixDomainSocketAddress.of(hung.resolve("ctl")));
      ExecutorService pool = Executors.newCachedThreadPool();
      try {
        Future<?> link =
            pool.submit(
                () ->
                    links.apply(
                        new LinkSpec(
                            "lock",
                            "hang",
                            "blue",
                            "single",
                            List.of(new LinkSpec.Path("p", "vde://" + hung)))));
        Thread.sleep(500); // the link's path is opening: LinkManager's lock is held
        assertThat(link.isDone()).as("the path open hangs").isFalse();
        // a network config update that creates a switch (its listeners resync the links)
        Future<?> config = pool.submit(() -> applyUnchecked(network("red", true)));
        Thread.sleep(300);
        // meanwhile the node's CNI traffic goes on: a DEL detaches, an ADD finds its switch
        CompletableFuture<Void> del =
            CompletableFuture.runAsync(
                () -> dataPlane.detach(new AttachmentKey("lock/blue", "c1", "net1")), pool);
        del.get(3, TimeUnit.SECONDS);
        // an update of a running network (no switch made: nothing for the links to resync)
        CompletableFuture<Void> update =
            CompletableFuture.runAsync(() -> applyUnchecked(network("blue", false)), pool);
        update.get(3, TimeUnit.SECONDS);
        // red's switch runs (only its link resync waits for the LinkManager)
        assertThat(dataPlane.network("lock/red")).isPresent();
        assertThat(config.isDone()).isFalse();
        ctl.close(); // the hung path fails now; everything finishes
        link.get(30, TimeUnit.SECONDS);
        config.get(30, TimeUnit.SECONDS);
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void linkEditsRacingNetworkConfigUpdatesNeverDeadlock() throws Exception {
    dataPlane.apply(network("blue", false));
    ExecutorService pool = Executors.newFixedThreadPool(5);
    int base = ThreadLocalRandom.current().nextInt(30000, 50000);
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    List<Future<Integer>> fs = new ArrayList<>();
    // network config updates: the switch recreated (hub ↔ learning), another network added/removed
    fs.add(
        pool.submit(
            () -> {
              int n = 0;
              for (boolean hub = true; System.nanoTime() < end; hub = !hub, n++) {
                dataPlane.apply(network("blue", hub));
                if (n % 2 == 0) dataPlane.apply(network("red", false));
                else dataPlane.remove("lock/red");
              }
              return n;
            }));
    // link edits: multi and single links on both networks, paths added, changed and removed
    for (int t = 0; t < 2; t++) {
      int thread = t;
      fs.add(
          pool.submit(
              () -> {
                int n = 0;
                for (; System.nanoTime() < end; n++) {
                  String net = ThreadLocalRandom.current().nextBoolean() ? "blue" : "red";
                  String mode = n % 3 == 0 ? "single" : "multi";
                  List<LinkSpec.Path> paths = new ArrayList<>();
                  for (int p = 0; p <= n % 3; p++) {
                    int port = base + thread * 10 + p;
                    paths.add(
                        new LinkSpec.Path(
                            "p" + p, "udp://127.0.0.1:" + port + "->127.0.0.1:" + (port + 5)));
                  }
                  links.apply(new LinkSpec("lock", "l" + thread, net, mode, paths));
                  if (n % 5 == 4) links.remove("lock/l" + thread);
                }
                return n;
              }));
    }
    // heartbeats and status reads (the VdeNode reporter, metrics)
    fs.add(
        pool.submit(
            () -> {
              int n = 0;
              for (; System.nanoTime() < end; n++) {
                links.heartbeat();
                links.status();
              }
              return n;
            }));
    // on-demand switches made and pruned by attach/detach bookkeeping (no tap: detach only)
    fs.add(
        pool.submit(
            () -> {
              int n = 0;
              for (; System.nanoTime() < end; n++) {
                dataPlane.detach(new AttachmentKey("lock/blue", "c" + n, "net1"));
                dataPlane.networks();
              }
              return n;
            }));
    try {
      for (Future<Integer> f : fs) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isPositive();
      }
    } finally {
      long[] dead = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
      pool.shutdownNow();
      assertThat(dead).as("deadlocked threads").isNull();
    }
  }

  private void applyUnchecked(AgentNetworkConfig cfg) {
    try {
      dataPlane.apply(cfg);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
