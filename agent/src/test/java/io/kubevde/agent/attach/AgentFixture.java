package io.kubevde.agent.attach;

import io.kubevde.agent.cni.CniServer;
import io.kubevde.agent.ipam.IpAllocator;
import io.kubevde.cni.plugin.AgentClient;
import io.kubevde.cni.plugin.CniPlugin;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.testing.Dirs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real agent CNI server (real taps, real netns, state in a temp dir) and the binary's logic as
 * its client, exactly as the runtime's exec of the binary would drive it (env map + stdin text).
 * Closing stops the server and deletes the temp dir.
 */
final class AgentFixture implements AutoCloseable {
  final Path dir;
  final Path socket;
  final AttachmentStore store;
  final IpAllocator ipam;
  final TapAttachmentHandler handler;
  final CniServer server;
  final CniPlugin plugin = new CniPlugin(p -> new AgentClient(p, 60_000));

  private final boolean ownsDir;

  AgentFixture() throws IOException {
    this(Files.createTempDirectory("kvagent"), true);
  }

  /** An agent on the state of {@code dir} (a restart: the directory is kept on close). */
  AgentFixture(Path dir) throws IOException {
    this(dir, false);
  }

  private AgentFixture(Path dir, boolean ownsDir) throws IOException {
    this.dir = dir;
    this.ownsDir = ownsDir;
    socket = dir.resolve("cni.sock");
    store = new AttachmentStore(dir.resolve("state/attachments"));
    ipam = new IpAllocator(dir.resolve("state/ipam"));
    handler = new TapAttachmentHandler(store, ipam, 60_000, 1450);
    server = new CniServer(socket, handler);
    server.start();
  }

  String config(String version, String name, String ipam) {
    return "{\"cniVersion\":\""
        + version
        + "\",\"name\":\""
        + name
        + "\",\"type\":\"kubevde\",\"network\":\"default/"
        + name
        + "\""
        + (ipam == null ? "" : ",\"ipam\":" + ipam)
        + "}";
  }

  CniPlugin.Outcome call(
      String cmd, String containerId, String netnsPath, String ifName, String config) {
    return call(cmd, containerId, netnsPath, ifName, config, "/opt/cni/bin");
  }

  CniPlugin.Outcome call(
      String cmd,
      String containerId,
      String netnsPath,
      String ifName,
      String config,
      String cniPath) {
    return callWithArgs(
        cmd,
        containerId,
        netnsPath,
        ifName,
        config,
        cniPath,
        "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=pod-"
            + containerId
            + ";K8S_POD_UID=uid-"
            + containerId);
  }

  /** A call with the given CNI_ARGS (pod coordinates of a real pod object). */
  CniPlugin.Outcome callWithArgs(
      String cmd,
      String containerId,
      String netnsPath,
      String ifName,
      String config,
      String cniPath,
      String cniArgs) {
    Map<String, String> env = new HashMap<>();
    env.put("CNI_COMMAND", cmd);
    env.put("CNI_CONTAINERID", containerId);
    env.put("CNI_NETNS", netnsPath);
    env.put("CNI_IFNAME", ifName);
    env.put("CNI_PATH", cniPath);
    env.put("CNI_ARGS", cniArgs);
    env.put(AgentProtocol.SOCKET_ENV, socket.toString());
    return plugin.run(env, config);
  }

  @Override
  public void close() throws IOException {
    server.close();
    if (ownsDir) Dirs.deleteTree(dir);
  }
}
