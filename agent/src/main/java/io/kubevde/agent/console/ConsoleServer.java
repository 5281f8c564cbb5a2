package io.kubevde.agent.console;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.socket.LocalSocketServer;
import io.kubevde.vdeplug.vdeswitch.NetnodeConsole;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's console endpoint: a unix stream socket (mode 0600, {@code <run dir>/console.sock}:
 * only the node's root, or whoever may {@code kubectl exec} into the agent pod, reaches it). A
 * client writes one line, the network as {@code namespace/name}; the agent answers one line, {@code
 * OK network <ns/name>} or {@code ERROR <reason>}, and after OK the connection is a vde-2
 * management console session (vde-protocols.md §9.3) on that network's switch on this node: banner,
 * prompt, one command per line, until {@code logout} or the client closes. The console is read-only
 * ({@link NetnodeConsole}): the operator owns the switch's configuration.
 */
public final class ConsoleServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);

  /** Longest request line (bytes). */
  static final int MAX_REQUEST = 512;

  /** A VdeNetwork key: namespace/name (DNS labels and subdomains). */
  public static final Pattern NETWORK =
      Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?/[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?");

  private final DataPlane dataPlane;
  private final LocalSocketServer server;

  /**
   * @param socket the socket path (a stale socket file is replaced)
   * @param dataPlane where the networks' switches are
   */
  public ConsoleServer(Path socket, DataPlane dataPlane) {
    this.dataPlane = dataPlane;
    this.server = new LocalSocketServer(socket, "console", this::serve);
  }

  /**
   * Binds the socket (0600) and starts accepting.
   *
   * @throws IOException when the socket cannot be created
   */
  public void start() throws IOException {
    server.start();
  }

  /** The socket path. */
  public Path socket() {
    return server.socket();
  }

  private void serve(SocketChannel ch) throws IOException {
    InputStream in = Channels.newInputStream(ch);
    OutputStream out = Channels.newOutputStream(ch);
    String network = readLine(in, MAX_REQUEST);
    if (network == null || !NETWORK.matcher(network).matches()) {
      reply(out, "ERROR network must be namespace/name");
      return;
    }
    Optional<NetworkSwitch> sw = dataPlane.network(network);
    if (sw.isEmpty()) {
      reply(out, "ERROR network " + network + " is not on this node");
      return;
    }
    reply(out, "OK network " + network);
    LOG.info("console session on network " + network + " started");
    new NetnodeConsole(sw.get().node(), network).session(in, out);
    LOG.info("console session on network " + network + " ended");
  }

  /**
   * Reads one protocol line (without its {@code '\n'}) byte by byte, so nothing after it is
   * consumed.
   *
   * @return the line, or null when the stream ends first or the line exceeds {@code max} bytes
   * @throws IOException when the stream cannot be read
   */
  public static String readLine(InputStream in, int max) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') return line.toString(StandardCharsets.UTF_8);
      if (line.size() >= max) return null;
      line.write(c);
    }
    return null;
  }

  private static void reply(OutputStream out, String line) throws IOException {
    out.write((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Stops accepting and removes the socket file (sessions already running go on). */
  @Override
  public void close() {
    server.close();
  }
}
