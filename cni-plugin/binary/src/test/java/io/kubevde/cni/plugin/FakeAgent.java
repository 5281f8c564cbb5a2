package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniRequest;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A stand-in agent on a temp unix socket for the binary's tests: records requests, answers with a
 * function.
 */
final class FakeAgent implements AutoCloseable {
  final Path dir;
  final Path socket;
  final List<CniRequest> requests = new CopyOnWriteArrayList<>();

  /** When each connection was accepted (System.nanoTime), in order. */
  final List<Long> acceptedNanos = new CopyOnWriteArrayList<>();

  private final ServerSocketChannel server;
  private final Thread thread;

  FakeAgent(Function<CniRequest, String> answer) throws IOException {
    this(answer, false);
  }

  /**
   * With {@code concurrent}, each connection is served on its own thread (else one after the
   * other).
   */
  FakeAgent(Function<CniRequest, String> answer, boolean concurrent) throws IOException {
    dir = Files.createTempDirectory("kvfakeagent");
    socket = dir.resolve("cni.sock");
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    thread =
        Thread.ofPlatform()
            .daemon()
            .start(
                () -> {
                  while (server.isOpen()) {
                    SocketChannel c;
                    try {
                      c = server.accept();
                    } catch (IOException e) {
                      return;
                    }
                    acceptedNanos.add(System.nanoTime());
                    if (concurrent) Thread.ofPlatform().daemon().start(() -> serve(c, answer));
                    else serve(c, answer);
                  }
                });
  }

  private void serve(SocketChannel ch, Function<CniRequest, String> answer) {
    try (SocketChannel c = ch) {
      CniRequest r = CniRequest.fromJson(AgentProtocol.readAll(c));
      requests.add(r);
      String a = answer.apply(r);
      if (a != null) AgentProtocol.writeAll(c, a);
    } catch (IOException e) {
      // client went away
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
    thread.interrupt();
    Files.deleteIfExists(socket);
    Files.deleteIfExists(dir);
  }
}
