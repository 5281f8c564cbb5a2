package io.kubevde.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's start-up milestones in its log (agent/README.md "Crash path"): each {@link #mark}
 * logs {@code start-up: <milestone> at <ms> ms (cpu <ms> ms)} counted from the process's start (the
 * kernel's start time of this process, 10 ms resolution: the JVM's own start-up is included), so
 * the time from {@code exec} to the first forwarded frame can be read from one agent log.
 */
final class StartupTimeline {
  private static final Logger LOG = LoggerFactory.getLogger(StartupTimeline.class);
  private static final long START_MS = processStartMs();

  private StartupTimeline() {}

  /**
   * The process's start in epoch ms: {@code /proc/uptime} minus the start time in {@code
   * /proc/self/stat} (clock ticks since boot, 100 per second), else {@link ProcessHandle}'s start
   * instant (whose boot time has a 1 s resolution).
   */
  private static long processStartMs() {
    long now = System.currentTimeMillis();
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // fields after the command name, which is in parentheses and may hold spaces
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long startTicks = Long.parseLong(f[19]); // field 22 of stat(5)
      String up = Files.readString(Path.of("/proc/uptime"));
      double uptimeS = Double.parseDouble(up.substring(0, up.indexOf(' ')));
      return now - Math.round(uptimeS * 1000 - startTicks * 10.0);
    } catch (IOException | RuntimeException e) {
      return ProcessHandle.current().info().startInstant().map(Instant::toEpochMilli).orElse(now);
    }
  }

  /**
   * @return milliseconds since this process started
   */
  static long sinceStartMs() {
    return System.currentTimeMillis() - START_MS;
  }

  /**
   * Logs that {@code milestone} (a short phrase, no user input) was reached now, with the CPU time
   * the process used so far (all its threads: a figure that, unlike the wall time, hardly depends
   * on the machine's load).
   */
  static void mark(String milestone) {
    long cpuMs =
        ProcessHandle.current().info().totalCpuDuration().map(d -> d.toMillis()).orElse(-1L);
    LOG.info("start-up: {} at {} ms (cpu {} ms)", milestone, sinceStartMs(), cpuMs);
  }
}
