package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * Sends one {@link CniRequest} to the node agent over its unix socket ({@link AgentProtocol}) and
 * returns the answer text. Uses the JDK's own AF_UNIX channels (no native library: the binary must
 * start fast).
 */
public final class AgentClient {
  /**
   * Thrown when the agent cannot be reached at all (no socket, connection refused): the request was
   * not seen.
   */
  public static final class Unreachable extends IOException {
    Unreachable(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private final Path socket;
  private final long timeoutMs;

  /**
   * @param socket the agent socket path
   * @param timeoutMs how long to wait for the answer (ms); on expiry the connection is closed and
   *     an IOException is thrown
   */
  public AgentClient(Path socket, long timeoutMs) {
    this.socket = socket;
    this.timeoutMs = timeoutMs;
  }

  /** The socket path this client uses. */
  public Path socket() {
    return socket;
  }

  /**
   * Sends {@code request} and waits for the answer.
   *
   * @throws Unreachable when connecting fails (the agent is not running or not ready)
   * @throws IOException when the exchange fails or times out after connecting
   */
  public String call(CniRequest request) throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    try (ch) {
      try {
        ch.connect(UnixDomainSocketAddress.of(socket));
      } catch (IOException e) {
        throw new Unreachable(
            "kubevde agent not reachable at " + socket + ": " + e.getMessage(), e);
      }
      Thread watchdog =
          Thread.ofPlatform()
              .daemon()
              .start(
                  () -> {
                    try {
                      Thread.sleep(timeoutMs);
                      ch.close();
                    } catch (InterruptedException | IOException ignored) {
                      // answered in time, or already closed
                    }
                  });
      try {
        AgentProtocol.writeAll(ch, request.toJson());
        ch.shutdownOutput();
        return AgentProtocol.readAll(ch);
      } catch (IOException e) {
        if (!ch.isOpen())
          throw new IOException("kubevde agent did not answer within " + timeoutMs + " ms", e);
        throw e;
      } finally {
        watchdog.interrupt();
      }
    }
  }
}
