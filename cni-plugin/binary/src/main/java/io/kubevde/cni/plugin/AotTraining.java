package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.AgentProtocol;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The training workload for the binary's AOT cache ({@code package.sh}): {@code AotTraining agent
 * SOCKET N} is a stand-in agent (its own JVM, so server classes stay out of the cache) answering N
 * requests with a canned result; {@code AotTraining client SOCKET}, run once with {@code
 * -XX:AOTCacheOutput}, makes the calls a node really makes — VERSION, ADD, CHECK, DEL — through
 * {@link CniPluginMain#run}. Only what those paths load goes into the cache: a smaller cache starts
 * faster (each archived class is loaded at JVM start). Not used at run time.
 */
public final class AotTraining {
  private AotTraining() {}

  /** Number of requests the client sends to the stand-in agent. */
  public static final int REQUESTS = 6;

  /** {@code agent SOCKET N} or {@code client SOCKET}. */
  public static void main(String[] args) throws Exception {
    Path sock = Path.of(args[1]);
    if (args[0].equals("agent")) {
      agent(sock, Integer.parseInt(args[2]));
    } else {
      client(sock);
    }
  }

  private static void agent(Path sock, int n) throws IOException {
    String result =
        "{\"cniVersion\":\"1.1.0\",\"interfaces\":[{\"name\":\"net1\",\"mac\":\"02:00:00:00:00:01\",\"mtu\":1450,"
            + "\"sandbox\":\"/var/run/netns/train\"}],\"ips\":[{\"address\":\"10.77.0.2/24\",\"interface\":0}]}";
    try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      server.bind(UnixDomainSocketAddress.of(sock));
      for (int i = 0; i < n; i++) {
        try (SocketChannel c = server.accept()) {
          String req = AgentProtocol.readAll(c);
          AgentProtocol.writeAll(c, req.contains("\"command\":\"ADD\"") ? result : "{}");
        }
      }
    } finally {
      Files.deleteIfExists(sock);
    }
  }

  private static void client(Path sock) throws InterruptedException {
    for (int i = 0; i < 200 && !Files.exists(sock); i++) Thread.sleep(50);
    if (System.getenv().isEmpty())
      System.err.println("empty environment"); // the real entry reads System.getenv()
    String cfg =
        "{\"cniVersion\":\"1.1.0\",\"name\":\"train\",\"type\":\"kubevde\",\"network\":\"default/train\",\"ipam\":{\"subnet\":\"10.77.0.0/24\"}}";
    PrintStream out = new PrintStream(new ByteArrayOutputStream(), false, StandardCharsets.UTF_8);
    for (int i = 0; i < REQUESTS / 3; i++) {
      for (String cmd : new String[] {"ADD", "CHECK", "DEL"}) {
        Map<String, String> env =
            Map.of(
                "CNI_COMMAND",
                cmd,
                "CNI_CONTAINERID",
                "train" + i,
                "CNI_NETNS",
                "/var/run/netns/train",
                "CNI_IFNAME",
                "net1",
                "CNI_PATH",
                "/opt/cni/bin",
                "CNI_ARGS",
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p;K8S_POD_UID=u",
                AgentProtocol.SOCKET_ENV,
                sock.toString());
        CniPluginMain.run(env, in(cfg), out, out);
      }
      CniPluginMain.run(
          Map.of("CNI_COMMAND", "VERSION"), in("{\"cniVersion\":\"1.0.0\"}"), out, out);
    }
  }

  private static ByteArrayInputStream in(String s) {
    return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
  }
}
