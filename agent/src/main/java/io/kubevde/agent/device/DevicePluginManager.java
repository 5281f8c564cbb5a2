package io.kubevde.agent.device;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkSwitch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's device plugins (agent/README.md "Device plugin"): one {@link DevicePluginServer} per
 * network that runs on this node, kept in step with the {@link DataPlane} (its network listener,
 * and a pass every {@code pollMs}). When kubelet restarts (its {@code kubelet.sock} is a new file,
 * and it removed every plugin socket) all plugins are served and registered again; while there is
 * no {@code kubelet.sock} none is served. A registration that fails is retried at the next pass.
 */
public final class DevicePluginManager implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DevicePluginManager.class);

  /** Default devices (slots) per network: 32 containers of a node may use one network at once. */
  public static final int DEFAULT_DEVICES = 32;

  private final Path dir;
  private final DataPlane dataPlane;
  private final int devices;
  private final long pollMs;
  private final UnixGrpc grpc = new UnixGrpc(1);
  private final Map<String, DevicePluginServer> servers = new HashMap<>();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "device-plugins");
            t.setDaemon(true);
            return t;
          });
  private Object kubeletKey;
  private boolean closed;

  /**
   * @param dir kubelet's device-plugin directory ({@code /var/lib/kubelet/device-plugins})
   * @param dataPlane the node's networks
   * @param devices devices per network (≥ 1)
   * @param pollMs period of the check for kubelet restarts and network changes (ms, ≥ 1)
   */
  public DevicePluginManager(Path dir, DataPlane dataPlane, int devices, long pollMs) {
    if (devices < 1) throw new IllegalArgumentException("devices must be >= 1: " + devices);
    if (pollMs < 1) throw new IllegalArgumentException("pollMs must be >= 1: " + pollMs);
    this.dir = dir;
    this.dataPlane = dataPlane;
    this.devices = devices;
    this.pollMs = pollMs;
  }

  /** Starts serving: a first pass now, then every {@code pollMs} and after each network change. */
  public void start() {
    dataPlane.onNetworksChanged(() -> timer.execute(this::reconcileQuietly));
    timer.scheduleWithFixedDelay(this::reconcileQuietly, 0, pollMs, TimeUnit.MILLISECONDS);
  }

  /** The resource names served and registered now, sorted. */
  public synchronized Set<String> registered() {
    Set<String> out = new TreeSet<>();
    for (DevicePluginServer s : servers.values()) out.add(s.resource().resourceName());
    return out;
  }

  private void reconcileQuietly() {
    try {
      reconcile();
    } catch (RuntimeException e) {
      LOG.warn("device plugins: pass failed: " + e);
    }
  }

  /** One pass: kubelet restart check, then one plugin per running network. */
  synchronized void reconcile() {
    if (closed) return;
    Object key = fileKey(dir.resolve("kubelet.sock"));
    if (!Objects.equals(key, kubeletKey)) {
      if (kubeletKey != null || !servers.isEmpty())
        LOG.info(
            "device plugins: kubelet.sock "
                + (key == null ? "gone" : "replaced")
                + ", re-registering");
      stopAll();
      kubeletKey = key;
    }
    if (key == null) return;
    Map<String, DeviceResource> wanted = new HashMap<>();
    for (NetworkSwitch sw : dataPlane.networks()) {
      String net = sw.config().key();
      DeviceResource.forNetwork(net, dataPlane.directoryOf(net))
          .ifPresentOrElse(
              r -> wanted.put(net, r),
              () -> LOG.debug("device plugins: network " + net + " cannot name a resource"));
    }
    servers
        .entrySet()
        .removeIf(
            e -> {
              boolean drop = !wanted.containsKey(e.getKey()) || !e.getValue().socketPresent();
              if (drop) e.getValue().close();
              return drop;
            });
    for (DeviceResource r : wanted.values()) {
      if (servers.containsKey(r.networkKey())) continue;
      try {
        servers.put(r.networkKey(), DevicePluginServer.start(r, dir, devices, grpc));
        LOG.info(
            "device plugin "
                + r.resourceName()
                + ": registered ("
                + devices
                + " devices, "
                + r.hostDirectory()
                + " at "
                + r.containerPath()
                + ")");
      } catch (IOException e) {
        LOG.warn("device plugin " + r.resourceName() + ": " + e.getMessage() + " (retried)");
      }
    }
  }

  private void stopAll() {
    servers.values().forEach(DevicePluginServer::close);
    servers.clear();
  }

  /** The file's identity (device + inode), or null when it does not exist. */
  private static Object fileKey(Path p) {
    try {
      return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
  }

  /** Stops every plugin (their sockets removed) and the timer. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      closed = true;
      stopAll();
    }
    grpc.close();
  }
}
