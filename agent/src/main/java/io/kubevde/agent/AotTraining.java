package io.kubevde.agent;

import io.kubevde.agent.attach.AttachmentStore;
import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.DataPlaneSettings;
import io.kubevde.agent.dataplane.NetworkCache;
import io.kubevde.agent.dataplane.SwitchLimits;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The training run of the agent's AOT cache (JDK 25 {@code -XX:AOTCacheOutput}; agent/README.md
 * "Crash path"): runs the crash path's work ({@link EarlyStart}) on a synthetic state directory in
 * a temporary directory — the saved data-plane settings, a cached vxvde-unicast network on the
 * loopback address, an attachment record whose netns is gone (parsed, then skipped) — then closes
 * everything and exits normally, so the JVM writes the cache with every class that path loads,
 * parsed and linked. Needs no root and no network beyond 127.0.0.1 (a UDP port chosen by the
 * kernel). The cache is then used with {@code -XX:AOTCache} on the same JDK and the same class
 * path.
 *
 * <p>Usage: {@code java -XX:AOTCacheOutput=agent.aot -cp <the agent's class path>
 * io.kubevde.agent.AotTraining}; exit code 0, or 1 with a message when the crash path did not run.
 */
public final class AotTraining {
  private AotTraining() {}

  /**
   * The network the training restores (as the operator writes {@code network.json}), {@code %d} =
   * the UDP port.
   */
  static final String NETWORK =
      """
      {"namespace":"default","name":"aot","uid":"aot","transport":"vxvde-unicast","vni":4242,"port":%d,
       "switchMode":"learning","macPrefix":"02:77:00","nodeSelector":{},"ipamType":"none",
       "exclude":[],"nodeRanges":{},"peers":["127.0.0.1","127.0.0.2"]}""";

  /**
   * Runs the training.
   *
   * @param args ignored
   */
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("kubevde-aot");
    int code = 1;
    try {
      code = train(dir) ? 0 : 1;
    } finally {
      deleteTree(dir);
    }
    System.exit(code);
  }

  static boolean train(Path dir) throws IOException {
    Path state = dir.resolve("state");
    new DataPlaneSettings(dir.resolve("run"), "127.0.0.1", null, SwitchLimits.DEFAULT, 0600, true)
        .save(state.resolve(DataPlaneSettings.FILE));
    int port;
    try (java.net.DatagramSocket free = new java.net.DatagramSocket(0)) {
      port = free.getLocalPort();
    }
    new NetworkCache(state.resolve("networks")).save("default/aot", NETWORK.formatted(port));
    new AttachmentStore(state.resolve("attachments"))
        .write(
            new AttachmentRecord(
                new AttachmentKey("aot", "0123456789ab", "net1"),
                "default/aot",
                dir.resolve("no-such-netns").toString(),
                "02:77:00:00:00:01",
                1450,
                List.of("192.168.77.10/24"),
                Map.of("namespace", "default", "name", "aot"),
                System.currentTimeMillis(),
                "ready",
                Map.of()));
    EarlyStart early =
        EarlyStart.tryStart(new String[] {"--state-dir", state.toString()}, state).orElse(null);
    if (early == null) {
      System.err.println("kubevde AOT training: the crash path did not run");
      return false;
    }
    DataPlane dp =
        early.dataPlaneFor(
            DataPlaneSettings.load(state.resolve(DataPlaneSettings.FILE)).orElseThrow());
    int networks = dp == null ? 0 : dp.networks().size();
    if (dp != null) dp.close();
    System.out.println("kubevde AOT training: crash path ran, " + networks + " network(s)");
    return networks == 1;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    }
  }
}
