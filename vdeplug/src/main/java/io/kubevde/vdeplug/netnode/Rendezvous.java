package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.vde.VdeReply;
import io.kubevde.vdeplug.plugin.vde.VdeRequest;
import io.kubevde.vdeplug.unix.FilePermissions;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code vde://} rendezvous of a netnode (vde-protocols.md §3.5, §6.1): the directory, its
 * {@code ctl} listening socket, and one control thread that accepts connections, reads each
 * client's {@link VdeRequest}, asks the node to attach a port, answers with the {@link VdeReply},
 * and removes the port on ctl EOF.
 *
 * <p>Unlike vdeplug4: a stale directory (its {@code ctl} refuses connections, §12.7) is cleaned and
 * reused; a REQ_NEW_PORT0 request ({@code vde://DIR[0]}) or any invalid request is answered by
 * closing the connection with a logged reason, never left hanging (§12.6); a connection that sends
 * no request within {@link #REQUEST_TIMEOUT_MS} is closed; bytes a client sends on ctl after the
 * handshake are read and discarded (no busy loop); the client's data socket is found by {@link
 * ClientSocket} (announced inside the directory, or mapped into it by name for a client in another
 * mount namespace; paths that traverse or name the node's own sockets are refused and counted).
 */
final class Rendezvous implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Rendezvous.class);

  /** How long a new connection may take to send its request (ms). */
  static final int REQUEST_TIMEOUT_MS = 10_000;

  private final Path dir;
  private final Path ctlPath;
  private final NetnodeConfig config;
  private final Netnode node;
  private final UnixSocket listener;
  private final int wakeFd;
  private final Thread thread;
  private final List<Pending> pending = new ArrayList<>();
  private final PlugStats requests = new PlugStats();
  private volatile boolean closed;

  private record Pending(UnixSocket sock, ByteBuffer buf, long since) {}

  private Rendezvous(Path dir, NetnodeConfig config, Netnode node, UnixSocket listener) {
    this.dir = dir;
    this.ctlPath = dir.resolve("ctl");
    this.config = config;
    this.node = node;
    this.listener = listener;
    this.wakeFd = LibC.INSTANCE.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
    this.thread = Thread.ofPlatform().daemon().name("netnode-ctl " + dir).unstarted(this::loop);
  }

  /**
   * Creates (or reuses when stale) {@code dir}, binds {@code dir/ctl} and starts serving.
   *
   * @throws IOException when the parent does not exist, the directory is in use by a live switch,
   *     contains non-socket files, or a socket cannot be created
   */
  static Rendezvous open(Path dir, NetnodeConfig config, Netnode node) throws IOException {
    prepareDirectory(dir, config);
    Path ctl = dir.resolve("ctl");
    UnixSocket l = UnixSocket.create(LibC.SOCK_STREAM, true);
    try {
      l.bind(ctl);
      if (config.group().isPresent()) FilePermissions.chgrp(ctl, config.group().get());
      FilePermissions.chmod(ctl, config.mode());
      l.listen(15);
    } catch (IOException | RuntimeException e) {
      l.close();
      Files.deleteIfExists(ctl);
      try {
        Files.deleteIfExists(dir);
      } catch (IOException ignored) {
        // not empty
      }
      throw e;
    }
    Rendezvous r = new Rendezvous(dir, config, node, l);
    r.thread.start();
    return r;
  }

  private static void prepareDirectory(Path dir, NetnodeConfig config) throws IOException {
    Path parent = dir.getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new IOException("netnode: parent directory " + parent + " does not exist");
    }
    if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("netnode: " + dir + " exists and is not a directory");
      }
      Path ctl = dir.resolve("ctl");
      if (Files.exists(ctl, LinkOption.NOFOLLOW_LINKS)) {
        try (UnixSocket probe = UnixSocket.create(LibC.SOCK_STREAM, false)) {
          if (probe.tryConnect(ctl) == 0) {
            throw new IOException(
                "netnode: " + dir + " is in use by a running switch (its ctl accepts connections)");
          }
        }
      }
      List<Path> sockets = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
        for (Path p : ds) {
          BasicFileAttributes a =
              Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (!a.isOther()) {
            throw new IOException(
                "netnode: "
                    + dir
                    + " is stale but contains a non-socket file "
                    + p
                    + "; not cleaning it, remove it by hand");
          }
          sockets.add(p);
        }
      }
      for (Path p : sockets) Files.deleteIfExists(p);
      LOG.info(
          "netnode: reusing stale directory "
              + dir
              + " (removed "
              + sockets.size()
              + " leftover sockets)");
    } else {
      Files.createDirectory(dir);
    }
    if (config.group().isPresent()) FilePermissions.chgrp(dir, config.group().get());
    FilePermissions.chmod(dir, config.dirMode());
  }

  /** The directory. */
  Path directory() {
    return dir;
  }

  /** Requests seen: rx = accepted, malformed = refused (invalid or port-0 requests). */
  PlugStats requestStats() {
    return requests;
  }

  private void loop() {
    ByteBuffer pollfds = ByteBuffer.allocateDirect(8 * 64).order(ByteOrder.nativeOrder());
    ByteBuffer scratch = ByteBuffer.allocateDirect(512);
    List<Object> owners = new ArrayList<>();
    while (!closed) {
      owners.clear();
      List<UnixClientPort> ports = node.unixPorts();
      int n = 2 + pending.size() + ports.size();
      if (pollfds.capacity() < 8 * n)
        pollfds = ByteBuffer.allocateDirect(8 * n * 2).order(ByteOrder.nativeOrder());
      int i = 0;
      i = put(pollfds, i, listener.fd());
      i = put(pollfds, i, wakeFd);
      for (Pending p : pending) {
        i = put(pollfds, i, p.sock().fd());
        owners.add(p);
      }
      for (UnixClientPort p : ports) {
        i = put(pollfds, i, p.ctl().fd());
        owners.add(p);
      }
      int rc = LibC.INSTANCE.poll(pollfds, n, 1000);
      if (closed) break;
      if (rc > 0) {
        for (int k = 2; k < n; k++) {
          if (pollfds.getShort(8 * k + 6) == 0) continue;
          Object o = owners.get(k - 2);
          if (o instanceof Pending p) readRequest(p, scratch);
          else ctlReadable((UnixClientPort) o, scratch);
        }
        if (pollfds.getShort(6) != 0) acceptAll();
      }
      expirePending();
    }
  }

  private static int put(ByteBuffer b, int i, int fd) {
    b.putInt(8 * i, fd);
    b.putShort(8 * i + 4, LibC.POLLIN);
    b.putShort(8 * i + 6, (short) 0);
    return i + 1;
  }

  private void acceptAll() {
    UnixSocket s;
    while ((s = listener.tryAccept()) != null) {
      pending.add(
          new Pending(s, ByteBuffer.allocateDirect(VdeRequest.MAX_SIZE), System.nanoTime()));
    }
  }

  private void readRequest(Pending p, ByteBuffer scratch) {
    long n = p.sock().tryReceive(p.buf());
    if (n == -LibC.EAGAIN || n == -LibC.EINTR) return;
    if (n <= 0) {
      if (n == 0 && p.buf().position() == 0) {
        pending.remove(p);
        p.sock().close(); // a liveness probe (e.g. another node checking for a stale directory)
        return;
      }
      refuse(
          p,
          n == 0
              ? "connection closed before a complete request"
              : "read failed: " + LibC.message((int) -n));
      return;
    }
    if (p.buf().position() < VdeRequest.HEADER && p.buf().hasRemaining() && !badPrefix(p.buf()))
      return;
    ByteBuffer req = p.buf().duplicate().flip();
    VdeRequest.Parsed parsed = VdeRequest.parse(req);
    switch (parsed) {
      case VdeRequest.Invalid inv -> refuse(p, "invalid request: " + inv.reason());
      case VdeRequest.Valid v when v.request().type() == VdeRequest.NEW_PORT0 ->
          refuse(p, "REQ_NEW_PORT0 (management port 0, vde://DIR[0]) is not served by a netnode");
      case VdeRequest.Valid v when v.request().kind() != VdeRequest.REQ_NEW_CONTROL ->
          refuse(p, "unknown request type 0x" + Integer.toHexString(v.request().type()));
      case VdeRequest.Valid v -> attach(p, v.request());
    }
  }

  /**
   * Whether the first bytes already show a wrong magic or version (refuse now instead of waiting
   * for more).
   */
  private static boolean badPrefix(ByteBuffer buf) {
    if (buf.position() < 8) return false;
    ByteBuffer b = buf.duplicate().order(ByteOrder.nativeOrder());
    return b.getInt(0) != VdeRequest.MAGIC || b.getInt(4) != VdeRequest.VERSION;
  }

  private void attach(Pending p, VdeRequest req) {
    pending.remove(p);
    UnixSocket data = null;
    Path dataPath = dir.resolve("fd" + p.sock().fd());
    try {
      data = UnixSocket.create(LibC.SOCK_DGRAM, true);
      Files.deleteIfExists(dataPath);
      data.bind(dataPath);
      if (config.group().isPresent()) FilePermissions.chgrp(dataPath, config.group().get());
      FilePermissions.chmod(dataPath, config.mode());
      ClientSocket.Resolved client =
          ClientSocket.connect(data, dir, req.dataSocket(), !config.confineClients());
      if (client.mapped()) {
        LOG.atDebug().log(
            () ->
                "netnode "
                    + dir
                    + ": client data socket "
                    + req.dataSocket()
                    + " mapped to "
                    + client.path()
                    + "; reply "
                    + client.replyPath(dataPath));
      }
      ByteBuffer reply = // before the port exists: a reply path too long to send refuses the client
          ByteBuffer.allocateDirect(VdeReply.SIZE)
              .put(new VdeReply(client.replyPath(dataPath)).encode())
              .flip();
      UnixClientPort port = node.attachClient(req, client.identity(), p.sock(), data, dataPath);
      long w = p.sock().trySend(reply);
      if (w != VdeReply.SIZE) {
        LOG.warn("netnode " + dir + ": could not send the reply to " + port + "; removing it");
        node.remove(port);
        return;
      }
      requests.received(VdeRequest.HEADER);
      LOG.atDebug().log(() -> "netnode " + dir + ": attached " + port);
    } catch (IOException | RuntimeException e) {
      LOG.warn("netnode " + dir + ": refusing client: " + e.getMessage());
      requests.malformed();
      if (data != null) data.close();
      p.sock().close();
      try {
        Files.deleteIfExists(dataPath);
      } catch (IOException ignored) {
        // best effort
      }
    }
  }

  private void refuse(Pending p, String reason) {
    pending.remove(p);
    requests.malformed();
    LOG.warn("netnode " + dir + ": closing ctl connection: " + reason);
    p.sock().close();
  }

  private void ctlReadable(UnixClientPort port, ByteBuffer scratch) {
    if (port.ctl().isClosed()) return;
    scratch.clear();
    long n = port.ctl().tryReceive(scratch);
    if (n == -LibC.EAGAIN || n == -LibC.EINTR || n > 0) return;
    node.remove(port);
  }

  private void expirePending() {
    long now = System.nanoTime();
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      if (now - p.since() > REQUEST_TIMEOUT_MS * 1_000_000L) {
        it.remove();
        requests.malformed();
        LOG.warn(
            "netnode "
                + dir
                + ": closing ctl connection: no complete request within "
                + REQUEST_TIMEOUT_MS
                + " ms");
        p.sock().close();
      }
    }
  }

  /**
   * Stops the control thread, closes the listener and pending connections, unlinks ctl and rmdirs
   * the directory.
   */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1);
    LibC.INSTANCE.write(wakeFd, one, 8);
    if (Thread.currentThread() != thread) {
      try {
        thread.join(5000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    for (Pending p : pending) p.sock().close();
    pending.clear();
    listener.close();
    LibC.INSTANCE.close(wakeFd);
    try {
      Files.deleteIfExists(ctlPath);
    } catch (IOException e) {
      LOG.debug("unlink " + ctlPath, e);
    }
  }

  /** Removes the directory once every port has gone (fails silently if stray files remain). */
  void removeDirectory() {
    try {
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      LOG.info("netnode: directory " + dir + " not removed: " + e.getMessage());
    }
  }
}
