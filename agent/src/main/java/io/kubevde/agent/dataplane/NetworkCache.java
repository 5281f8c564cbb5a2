package io.kubevde.agent.dataplane;

import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last operator config of every network this node serves, on disk ({@code
 * <state-dir>/networks/<ns>,<name>.json}, the ConfigMap's {@code network.json} verbatim, written
 * atomically). On restart the agent brings the switches back with their uplinks from here before it
 * reaches the API server, so pod traffic (also across nodes) resumes as soon as the taps are
 * re-attached; the informer then updates or removes them.
 */
public final class NetworkCache {
  private static final Logger LOG = LoggerFactory.getLogger(NetworkCache.class);
  private final Path dir;

  /**
   * @param dir the cache directory (created on first write)
   */
  public NetworkCache(Path dir) {
    this.dir = dir;
  }

  private Path file(String key) {
    return dir.resolve(key.replace("/", ",") + ".json");
  }

  /** Stores {@code json} for network {@code key} ({@code <ns>/<name>}); errors are logged. */
  public void save(String key, String json) {
    try {
      Files.createDirectories(dir);
      Path tmp = dir.resolve("." + key.replace("/", ",") + ".tmp");
      Files.writeString(tmp, json, StandardCharsets.UTF_8);
      Files.move(
          tmp, file(key), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      LOG.warn("cannot cache network " + key + ": " + e.getMessage());
    }
  }

  /** Forgets network {@code key}. */
  public void delete(String key) {
    try {
      Files.deleteIfExists(file(key));
    } catch (IOException e) {
      LOG.warn("cannot drop cached network " + key + ": " + e.getMessage());
    }
  }

  /**
   * Every cached config ({@link AgentNetworkConfigCodec}); unreadable files are skipped (logged).
   */
  public List<AgentNetworkConfig> load() {
    List<AgentNetworkConfig> out = new ArrayList<>();
    if (!Files.isDirectory(dir)) return out;
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
        try {
          out.add(AgentNetworkConfigCodec.read(Files.readString(p)));
        } catch (IOException | RuntimeException e) {
          LOG.warn("skipping cached network " + p + ": " + e.getMessage());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list " + dir + ": " + e.getMessage());
    }
    return out;
  }
}
