package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.testing.Dirs;
import io.kubevde.testing.Host;
import io.kubevde.testing.Netns;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Memory of a real agent process under pod churn (issue 15 item 3, agent/README.md "Memory"): with
 * the chart's JVM options ({@link AgentFootprintTest#JVM}) and 10 pods that stay attached, {@code
 * kubevde.churn.cycles} ADD/DEL cycles (default 300; {@code bench/upgrade} runs 10 000) by 4
 * workers, each in its own pod netns, on 3 networks. Sampled after a full GC (RSS, heap used,
 * threads, fds) at the start, after a warm-up (a tenth of the cycles, at most 500: class loading
 * and JIT are not growth) and every 1000 cycles; printed as {@code RESULT churn ...} with {@code
 * rss_growth_mib_10k} = RSS growth after the warm-up, scaled to 10 000 cycles, and {@code
 * rss_growth_mib_second_half} = RSS growth over the second half of the cycles. Asserted: no thread
 * or fd left per cycle, heap used after GC back within 4 MiB, and for runs of at least 8000 cycles
 * no leak: RSS over the second half grows by at most 4 MiB (measured: RSS rises for the first ~3000
 * cycles, glibc's per-thread malloc arenas and stack cache and the JIT's code filling up, then
 * stays flat; agent/README.md "Memory").
 */
class AgentChurnFootprintTest {
  private static final int WORKERS = 4;

  @Test
  void addDelChurnDoesNotGrowTheAgent() throws Exception {
    Host.requireRoot();
    int cycles = Integer.getInteger("kubevde.churn.cycles", 300);
    int warmup = Math.min(500, cycles / 10);
    Path dir = Files.createTempDirectory("kvchurnmem");
    Process agent = null;
    try (Netns netns = new Netns("kvcm");
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS)) {
      List<String> jvm = new ArrayList<>(AgentFootprintTest.JVM);
      String extra = System.getProperty("kubevde.churn.jvm", ""); // e.g. NMT, for a diagnosis
      if (!extra.isBlank()) jvm.addAll(List.of(extra.trim().split("\\s+")));
      agent = AgentRestartTest.startAgent(dir, "agent.err", jvm);
      long pid = agent.pid();
      CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));
      for (int i = 0; i < 10; i++) add(plugin, dir, "steady" + i, netns.create(), i);
      List<AgentFootprintTest.Sample> samples = new ArrayList<>();
      List<Integer> at = new ArrayList<>();
      samples.add(AgentFootprintTest.sample(pid, 10));
      at.add(0);
      String[] pods = new String[WORKERS];
      for (int w = 0; w < WORKERS; w++) pods[w] = netns.create();
      AtomicInteger next = new AtomicInteger();
      long t0 = System.nanoTime();
      int done = 0;
      List<Integer> marks = new ArrayList<>();
      marks.add(warmup);
      int every = Integer.getInteger("kubevde.churn.every", 1000);
      for (int m = every; m < cycles; m += every) if (m > warmup) marks.add(m);
      marks.add(cycles);
      for (int mark : marks) {
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < WORKERS; w++) {
          String ns = pods[w];
          fs.add(
              pool.submit(
                  () -> {
                    int c;
                    while ((c = next.getAndIncrement()) < mark) {
                      String id = "c" + c;
                      add(plugin, dir, id, ns, c);
                      CniPlugin.Outcome del =
                          plugin.run(
                              AgentHandoverTest.env(dir, id, ns, "DEL"),
                              DataPlaneTest.config("default/m" + (c % 3)));
                      assertThat(del.exitCode()).as("DEL " + id + ": " + del).isZero();
                    }
                    return null;
                  }));
        }
        for (Future<?> f : fs) f.get();
        next.set(mark);
        done = mark;
        samples.add(AgentFootprintTest.sample(pid, 10));
        at.add(done);
        if (!extra.isBlank() && extra.contains("NativeMemoryTracking"))
          System.out.println(
              io.kubevde.testing.Sh.run(
                  "jcmd", String.valueOf(pid), "VM.native_memory", "summary.diff"));
        if (!extra.isBlank() && extra.contains("NativeMemoryTracking") && done == warmup)
          io.kubevde.testing.Sh.run("jcmd", String.valueOf(pid), "VM.native_memory", "baseline");
        System.out.printf(
            "churn progress: %d cycles, %.0f s, rss_mib=%.1f%n",
            done, (System.nanoTime() - t0) / 1e9, samples.getLast().rssKib() / 1024.0);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      for (int i = 0; i < samples.size(); i++) {
        AgentFootprintTest.Sample s = samples.get(i);
        System.out.printf(
            "RESULT churn_sample cycles=%d rss_mib=%.1f heap_used_mib=%.1f threads=%d fds=%d%n",
            at.get(i), s.rssKib() / 1024.0, s.heapUsedKib() / 1024.0, s.threads(), s.fds());
      }
      AgentFootprintTest.Sample start = samples.getFirst();
      AgentFootprintTest.Sample warm = samples.get(1);
      AgentFootprintTest.Sample end = samples.getLast();
      double growth = (end.rssKib() - warm.rssKib()) / 1024.0;
      double growth10k = growth * 10_000.0 / Math.max(1, cycles - warmup);
      // the sample nearest to half of the cycles
      int half = 1;
      for (int i = 1; i < at.size(); i++)
        if (Math.abs(at.get(i) - cycles / 2) < Math.abs(at.get(half) - cycles / 2)) half = i;
      double secondHalf = (end.rssKib() - samples.get(half).rssKib()) / 1024.0;
      System.out.printf(
          "RESULT churn cycles=%d seconds=%.0f rss_start_mib=%.1f rss_warm_mib=%.1f rss_end_mib=%.1f"
              + " rss_growth_mib=%.1f rss_growth_mib_10k=%.1f rss_growth_mib_second_half=%.1f"
              + " heap_used_end_mib=%.1f threads_start=%d threads_end=%d fds_start=%d fds_end=%d%n",
          cycles,
          seconds,
          start.rssKib() / 1024.0,
          warm.rssKib() / 1024.0,
          end.rssKib() / 1024.0,
          growth,
          growth10k,
          secondHalf,
          end.heapUsedKib() / 1024.0,
          start.threads(),
          end.threads(),
          start.fds(),
          end.fds());
      assertThat(end.threads())
          .as("threads left by the cycles")
          .isLessThanOrEqualTo(warm.threads() + 2);
      assertThat(end.fds()).as("fds left by the cycles").isLessThanOrEqualTo(warm.fds() + 2);
      assertThat((end.heapUsedKib() - warm.heapUsedKib()) / 1024.0)
          .as("heap used after GC, growth in MiB")
          .isLessThanOrEqualTo(4.0);
      if (cycles >= 8000) // shorter runs end inside the warm-up (~3000 cycles)
      assertThat(secondHalf)
            .as("RSS growth over the second half of the cycles, MiB (a leak)")
            .isLessThanOrEqualTo(4.0);
    } finally {
      if (agent != null) AgentRestartTest.kill(agent);
      Dirs.deleteTree(dir);
    }
  }

  private static void add(CniPlugin plugin, Path dir, String id, String ns, int n) {
    CniPlugin.Outcome r =
        plugin.run(
            AgentHandoverTest.env(dir, id, ns, "ADD"), DataPlaneTest.config("default/m" + (n % 3)));
    assertThat(r.exitCode()).as("ADD " + id + ": " + r).isZero();
  }
}
