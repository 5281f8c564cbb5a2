package io.kubevde.agent.dataplane;

import io.kubevde.vdeplug.netnode.PortLimits;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a {@link DataPlane} is built from (the agent flags that shape it), kept on disk by the
 * running agent ({@code <state-dir>/dataplane.properties}, {@link #save}) so that a restarted agent
 * can bring its data plane back before it parses its command line or loads anything else
 * (agent/README.md "Crash path"). The restarted agent compares them with its parsed flags and
 * rebuilds the data plane when they differ.
 *
 * @param runDir run directory (rendezvous directories, key files, hand-over socket)
 * @param nodeAddress this node's underlay address, or null
 * @param uplinkInterface multicast interface of vxvde uplinks, or null
 * @param limits ingress policing and storm control of every switch port
 * @param rendezvousMode permission bits of the rendezvous sockets ({@code 0600} or {@code 0666})
 * @param cachedNetworks whether the networks of the {@link NetworkCache} are served (Kubernetes
 *     mode)
 */
public record DataPlaneSettings(
    Path runDir,
    String nodeAddress,
    String uplinkInterface,
    SwitchLimits limits,
    int rendezvousMode,
    boolean cachedNetworks,
    EgressSettings egress) {
  private static final Logger LOG = LoggerFactory.getLogger(DataPlaneSettings.class);

  /** The file name under the state directory. */
  public static final String FILE = "dataplane.properties";

  /** Validates: {@code runDir} and {@code limits} are required. */
  public DataPlaneSettings {
    Objects.requireNonNull(runDir, "runDir");
    Objects.requireNonNull(limits, "limits");
    rendezvousMode &= 0666;
    if (egress == null) egress = EgressSettings.DEFAULT;
  }

  /** Settings with the default {@link EgressSettings}. */
  public DataPlaneSettings(
      Path runDir,
      String nodeAddress,
      String uplinkInterface,
      SwitchLimits limits,
      int rendezvousMode,
      boolean cachedNetworks) {
    this(
        runDir,
        nodeAddress,
        uplinkInterface,
        limits,
        rendezvousMode,
        cachedNetworks,
        EgressSettings.DEFAULT);
  }

  /** A new, empty data plane with these settings. */
  public DataPlane newDataPlane() {
    return new DataPlane(runDir, nodeAddress, uplinkInterface, limits, rendezvousMode, egress);
  }

  /**
   * Writes these settings to {@code file} (temp file + atomic rename) unless it already holds them.
   *
   * @throws IOException when the file cannot be written
   */
  public void save(Path file) throws IOException {
    if (load(file).filter(this::equals).isPresent()) return;
    Properties p = new Properties();
    p.setProperty("runDir", runDir.toString());
    if (nodeAddress != null) p.setProperty("nodeAddress", nodeAddress);
    if (uplinkInterface != null) p.setProperty("uplinkInterface", uplinkInterface);
    put(p, "ports", limits.ports());
    put(p, "uplink", limits.uplink());
    p.setProperty("rendezvousMode", Integer.toOctalString(rendezvousMode));
    p.setProperty("cachedNetworks", Boolean.toString(cachedNetworks));
    p.setProperty("egress.denyCidrs", String.join(",", egress.denyCidrs()));
    if (egress.nodeNetns() != null) p.setProperty("egress.nodeNetns", egress.nodeNetns());
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "kubevde-agent data plane settings (agent/README.md \"Crash path\")");
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /**
   * Reads settings {@link #save}d earlier.
   *
   * @return the settings, or empty when the file is missing or not valid (a bad file is logged)
   */
  public static Optional<DataPlaneSettings> load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.warn("cannot read " + file + ": " + e.getMessage());
      return Optional.empty();
    }
    try (Reader r = new StringReader(text)) {
      Properties p = new Properties();
      p.load(r);
      String run = p.getProperty("runDir");
      if (run == null || run.isBlank()) throw new IllegalArgumentException("no runDir");
      String mode = p.getProperty("rendezvousMode", "600");
      String cached = p.getProperty("cachedNetworks", "");
      if (!cached.equals("true") && !cached.equals("false"))
        throw new IllegalArgumentException("cachedNetworks must be true or false");
      return Optional.of(
          new DataPlaneSettings(
              Path.of(run),
              p.getProperty("nodeAddress"),
              p.getProperty("uplinkInterface"),
              new SwitchLimits(limits(p, "ports"), limits(p, "uplink")),
              Integer.parseInt(mode, 8),
              Boolean.parseBoolean(cached),
              new EgressSettings(
                  List.of(p.getProperty("egress.denyCidrs", "").split(",")),
                  p.getProperty("egress.nodeNetns"))));
    } catch (IOException | RuntimeException e) {
      LOG.warn("ignoring " + file + ": " + e.getMessage());
      return Optional.empty();
    }
  }

  private static void put(Properties p, String prefix, PortLimits l) {
    p.setProperty(prefix + ".pps", Long.toString(l.framesPerSecond()));
    p.setProperty(prefix + ".bps", Long.toString(l.bytesPerSecond()));
    p.setProperty(prefix + ".floodPps", Long.toString(l.floodFramesPerSecond()));
    p.setProperty(prefix + ".burstMs", Integer.toString(l.burstMillis()));
  }

  private static PortLimits limits(Properties p, String prefix) {
    return new PortLimits(
        number(p, prefix + ".pps"),
        number(p, prefix + ".bps"),
        number(p, prefix + ".floodPps"),
        Math.toIntExact(number(p, prefix + ".burstMs")));
  }

  private static long number(Properties p, String key) {
    String v = p.getProperty(key);
    if (v == null) throw new IllegalArgumentException("no " + key);
    long n = Long.parseLong(v.trim());
    if (n < 0) throw new IllegalArgumentException(key + " < 0");
    return n;
  }
}
