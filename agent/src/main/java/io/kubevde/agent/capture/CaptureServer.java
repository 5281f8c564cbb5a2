package io.kubevde.agent.capture;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.model.AttachmentRecord;
import io.kubevde.agent.socket.LocalSocketServer;
import io.kubevde.vdeplug.plugin.pcap.PcapngWriter;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's capture endpoint: a unix stream socket (mode 0600, {@code <run dir>/capture.sock}:
 * only the node's root, or whoever may {@code kubectl exec} into the agent pod, reaches it). A
 * client writes one {@link CaptureRequest} line; the agent answers one line, {@code OK <what>} or
 * {@code ERROR <reason>}, and after OK streams the network's frames on this node as pcapng (section
 * header, one interface of link type Ethernet, an Enhanced Packet Block per frame: what {@code
 * tcpdump -r} and Wireshark read) until the count is reached, the network leaves the node, or the
 * client closes. Frames are taken where they enter the network's switch, so each frame crossing the
 * node appears once.
 */
public final class CaptureServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CaptureServer.class);
  private static final int MAX_REQUEST = 4096;

  private final DataPlane dataPlane;
  private final LocalSocketServer server;

  /**
   * @param socket the socket path (a stale socket file is replaced)
   * @param dataPlane where the networks' switches and attachments are
   */
  public CaptureServer(Path socket, DataPlane dataPlane) {
    this.dataPlane = dataPlane;
    this.server = new LocalSocketServer(socket, "capture", this::serve);
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
    try {
      CaptureRequest req;
      try {
        req = CaptureRequest.parse(readLine(ch, MAX_REQUEST));
      } catch (IllegalArgumentException e) {
        reply(ch, "ERROR " + e.getMessage());
        return;
      }
      Optional<NetworkSwitch> sw = dataPlane.network(req.network());
      if (sw.isEmpty()) {
        reply(ch, "ERROR network " + req.network() + " is not on this node");
        return;
      }
      CaptureFilter filter;
      String what = "network " + req.network();
      if (req.pod() != null) {
        List<String> macs = podMacs(req.network(), req.pod());
        if (macs.isEmpty()) {
          reply(ch, "ERROR pod " + req.pod() + " has no interface on " + what + " on this node");
          return;
        }
        filter = CaptureFilter.macs(macs);
        what += " pod " + req.pod() + " " + String.join(",", macs);
      } else if (req.mac() != null) {
        filter = CaptureFilter.macs(List.of(req.mac()));
        what += " mac " + req.mac();
      } else {
        filter = CaptureFilter.all();
      }
      run(ch, req, sw.get(), filter, what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run(
      SocketChannel ch, CaptureRequest req, NetworkSwitch sw, CaptureFilter filter, String what)
      throws IOException, InterruptedException {
    CaptureSession session = new CaptureSession(filter);
    reply(ch, "OK " + what);
    LOG.info("capture of " + what + " started");
    long frames = 0;
    try (Closeable registration = sw.node().observe(session)) {
      PcapngWriter out = PcapngWriter.to(ch, req.snaplen());
      frames =
          session.run(
              out,
              req.count(),
              () -> dataPlane.network(req.network()).orElse(null) == sw && server.isOpen());
    } finally {
      LOG.info(
          "capture of "
              + what
              + " ended: "
              + frames
              + " frames written, "
              + session.dropped()
              + " dropped (client too slow)");
    }
  }

  /** The MACs of {@code pod}'s attachments to {@code network} on this node. */
  private List<String> podMacs(String network, String pod) {
    String[] nsName = pod.split("/", 2);
    return dataPlane.attachments().stream()
        .filter(r -> r.vdeNetwork().equals(network))
        .filter(r -> nsName[0].equals(r.pod().get("K8S_POD_NAMESPACE")))
        .filter(r -> nsName[1].equals(r.pod().get("K8S_POD_NAME")))
        .map(AttachmentRecord::mac)
        .filter(m -> m != null && !m.isBlank())
        .toList();
  }

  /**
   * Reads one line (up to {@code '\n'}, not included) of the capture protocol, byte by byte so
   * nothing after it is consumed (the pcapng stream follows the answer line).
   *
   * @return the line, or what came before the end of the stream
   * @throws IllegalArgumentException when no newline comes within {@code max} bytes
   * @throws IOException when the socket cannot be read
   */
  public static String readLine(SocketChannel ch, int max) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    ByteBuffer one = ByteBuffer.allocate(1);
    while (line.size() < max) {
      one.clear();
      if (ch.read(one) < 0) return line.toString(StandardCharsets.UTF_8);
      byte b = one.get(0);
      if (b == '\n') return line.toString(StandardCharsets.UTF_8);
      line.write(b);
    }
    throw new IllegalArgumentException("a protocol line is at most " + max + " bytes");
  }

  private static void reply(SocketChannel ch, String line) throws IOException {
    ByteBuffer b =
        ByteBuffer.wrap((line.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) ch.write(b);
  }

  /** Stops accepting and removes the socket file; running captures end at their next check. */
  @Override
  public void close() {
    server.close();
  }
}
