package io.kubevde.agent.socket;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node-local unix stream socket of the agent (mode 0600: only the node's root, or whoever may
 * {@code kubectl exec} into the agent pod, reaches it) that serves each connection on a virtual
 * thread of its own: the shared part of the capture and console endpoints ({@code <run
 * dir>/capture.sock}, {@code <run dir>/console.sock}).
 */
public final class LocalSocketServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LocalSocketServer.class);

  /** Serves one accepted connection; the server closes the channel when it returns. */
  @FunctionalInterface
  public interface Handler {
    /**
     * @param ch the client's connection
     * @throws IOException when the client goes away (logged at debug level)
     */
    void serve(SocketChannel ch) throws IOException;
  }

  private final Path socket;
  private final String name;
  private final Handler handler;
  private ServerSocketChannel server;

  /**
   * @param socket the socket path (a stale socket file is replaced)
   * @param name what the endpoint is, for thread names and logs ({@code capture}, {@code console})
   * @param handler what each connection gets
   */
  public LocalSocketServer(Path socket, String name, Handler handler) {
    this.socket = socket;
    this.name = name;
    this.handler = handler;
  }

  /**
   * Binds the socket (0600) and starts accepting on a daemon thread.
   *
   * @throws IOException when the socket cannot be created
   */
  public synchronized void start() throws IOException {
    Path parent = socket.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket), 16);
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    ServerSocketChannel s = server;
    Thread.ofPlatform().name("kubevde-" + name + "-accept").daemon().start(() -> acceptLoop(s));
  }

  /** The socket path. */
  public Path socket() {
    return socket;
  }

  /** Whether the server accepts connections (started and not closed). */
  public synchronized boolean isOpen() {
    return server != null && server.isOpen();
  }

  private void acceptLoop(ServerSocketChannel s) {
    while (true) {
      SocketChannel ch;
      try {
        ch = s.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        LOG.warn(name + " accept failed: " + e.getMessage());
        continue;
      }
      Thread.ofVirtual().name("kubevde-" + name).start(() -> serve(ch));
    }
  }

  private void serve(SocketChannel ch) {
    try (ch) {
      handler.serve(ch);
    } catch (IOException e) {
      LOG.debug(name + " client went away: " + e.getMessage());
    }
  }

  /** Stops accepting and removes the socket file (sessions already running go on). */
  @Override
  public synchronized void close() {
    try {
      if (server != null) server.close();
      Files.deleteIfExists(socket);
    } catch (IOException e) {
      LOG.warn("closing the " + name + " socket: " + e.getMessage());
    }
  }
}
