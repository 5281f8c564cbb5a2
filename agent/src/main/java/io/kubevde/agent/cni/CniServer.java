package io.kubevde.agent.cni;

import io.kubevde.agent.attach.AttachmentHandler;
import io.kubevde.agent.model.AttachRequest;
import io.kubevde.agent.model.NetConf;
import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.CniRequest;
import io.kubevde.cni.protocol.CniValidation;
import io.kubevde.cni.protocol.CniVersions;
import io.kubevde.cni.protocol.Json;
import io.kubevde.cni.protocol.JsonException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's end of the CNI socket ({@link AgentProtocol}, architecture.md §6): a unix stream
 * socket (mode 0600, default {@code /run/kubevde/cni.sock}); one request per connection, each
 * served on its own virtual thread so hundreds of pods can be set up at once. A request is decoded
 * ({@link CniRequest}, code 6 on garbage), validated ({@link CniValidation}, code 4; {@link
 * NetConf}, codes 1/7) and dispatched to the {@link AttachmentHandler}; the answer is the CNI
 * result (ADD), {@code {}} (DEL, CHECK, STATUS, GC) or a CNI error object.
 */
public final class CniServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CniServer.class);

  /** Per-command counters: requests, failures and total handling time (ns), for metrics. */
  public record Stats(LongAdder requests, LongAdder failures, LongAdder nanos) {}

  private final Path socket;
  private final AttachmentHandler handler;
  private final Map<CniCommand, Stats> stats = new EnumMap<>(CniCommand.class);
  private final LongAdder malformed = new LongAdder();
  private ServerSocketChannel server;
  private Thread acceptor;
  private volatile boolean ready;

  /**
   * @param socket the socket path (its directory is created; a stale socket file is replaced)
   * @param handler what each command does
   */
  public CniServer(Path socket, AttachmentHandler handler) {
    this.socket = socket;
    this.handler = handler;
    for (CniCommand c : CniCommand.values())
      stats.put(c, new Stats(new LongAdder(), new LongAdder(), new LongAdder()));
  }

  /**
   * Binds the socket and starts accepting.
   *
   * @throws IOException when the socket cannot be created
   */
  public synchronized void start() throws IOException {
    Path parent = socket.toAbsolutePath().getParent();
    if (parent != null) Files.createDirectories(parent);
    Files.deleteIfExists(socket);
    server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket), 512);
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
    acceptor = Thread.ofPlatform().name("kubevde-cni-accept").daemon().start(this::acceptLoop);
    ready = true;
  }

  /** Whether the socket is listening (readiness). */
  public boolean ready() {
    return ready;
  }

  /** The socket path. */
  public Path socket() {
    return socket;
  }

  /** Counters of {@code command}. */
  public Stats stats(CniCommand command) {
    return stats.get(command);
  }

  /** Requests that could not be decoded at all. */
  public long malformed() {
    return malformed.sum();
  }

  private void acceptLoop() {
    while (true) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException e) {
        LOG.warn("CNI accept failed: " + e.getMessage());
        continue;
      }
      Thread.ofVirtual().name("kubevde-cni").start(() -> serve(ch));
    }
  }

  private void serve(SocketChannel ch) {
    try (ch) {
      String text;
      try {
        text = AgentProtocol.readAll(ch);
      } catch (IOException e) {
        malformed.increment();
        return;
      }
      AgentProtocol.writeAll(ch, answer(text));
    } catch (IOException e) {
      LOG.warn("CNI client went away: " + e.getMessage());
    }
  }

  /**
   * Handles one encoded request and returns the encoded answer; never throws (every failure becomes
   * a CNI error object). Public for tests that drive the server without a socket.
   */
  public String answer(String text) {
    long t0 = System.nanoTime();
    CniRequest req;
    try {
      req = CniRequest.fromJson(text);
    } catch (CniError.Failure f) {
      malformed.increment();
      return Json.write(f.error().toJson(CniVersions.LATEST));
    }
    Stats st = stats.get(req.command());
    st.requests().increment();
    String version = CniVersions.LATEST;
    String outcome = "ok";
    try {
      Map<String, Object> cfg;
      try {
        cfg = req.config();
      } catch (JsonException e) {
        throw new CniError.Failure(
            CniError.DECODE_FAILURE, "cannot decode config: " + e.getMessage());
      }
      if (cfg.get("cniVersion") instanceof String v && CniVersions.isSupported(v)) version = v;
      CniValidation.require(
          req.command(),
          req.containerId(),
          req.netns(),
          req.ifName(),
          req.command() == CniCommand.GC ? "-" : req.path());
      NetConf conf = NetConf.parse(cfg);
      AttachRequest ar =
          new AttachRequest(
              conf, req.containerId(), req.netns(), req.ifName(), req.args(), req.path());
      return switch (req.command()) {
        case ADD -> Json.write(handler.add(ar));
        case DEL -> {
          handler.del(ar);
          yield "{}";
        }
        case CHECK -> {
          handler.check(ar);
          yield "{}";
        }
        case STATUS -> {
          if (!ready) throw new CniError.Failure(CniError.NOT_AVAILABLE, "agent is starting");
          handler.status(conf);
          yield "{}";
        }
        case GC -> {
          if (conf.validAttachments() == null) {
            throw new CniError.Failure(
                CniError.INVALID_CONFIG, "GC needs cni.dev/valid-attachments");
          }
          handler.gc(conf, new HashSet<>(conf.validAttachments()));
          yield "{}";
        }
        case VERSION ->
            throw new CniError.Failure(CniError.INVALID_ENV, "VERSION is answered by the binary");
      };
    } catch (CniError.Failure f) {
      st.failures().increment();
      outcome = "error " + f.error().code() + ": " + f.error().msg();
      return Json.write(f.error().toJson(version));
    } catch (RuntimeException e) {
      st.failures().increment();
      outcome = "internal error: " + e;
      return Json.write(
          new CniError(CniError.SETUP_FAILED, "kubevde agent internal error", String.valueOf(e))
              .toJson(version));
    } finally {
      long dt = System.nanoTime() - t0;
      st.nanos().add(dt);
      LOG.info(
          String.format(
              "CNI %s %s/%s %s (%d ms)",
              req.command(), req.containerId(), req.ifName(), outcome, dt / 1_000_000));
    }
  }

  /** Stops accepting and removes the socket file; requests in flight finish on their threads. */
  @Override
  public synchronized void close() throws IOException {
    ready = false;
    if (server != null) server.close();
    if (acceptor != null) acceptor.interrupt();
    Files.deleteIfExists(socket);
  }
}
