package io.kubevde.vdeplug.plugin.vde;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.fd.FdPlugLifecycle;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.FdWaiter;
import io.kubevde.vdeplug.unix.FilePermissions;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A port of a vde_switch or netnode reached through its ctl directory: the client algorithm of
 * vde-protocols.md §3.4. A SOCK_STREAM ctl connection carries the {@link VdeRequest}/{@link
 * VdeReply} handshake and then stays silent (EOF = switch gone: {@link #receive} returns {@link
 * Plug#CLOSED}); a SOCK_DGRAM data socket, bound to {@code <dir>/.<pid>-<seq>} and connected to the
 * switch's port socket, carries one frame per datagram. Sends never block: a full switch drops the
 * frame (counted). Sent frames shorter than 14 bytes are dropped (counted); there is no upper bound
 * (as vdeplug4: the datagram goes out as given).
 *
 * <p>Life cycle: an {@link FdPlugLifecycle} (receive polls data + ctl + its eventfd; {@link #close}
 * wakes the receiver, waits until receiver and senders have left, then closes both sockets; sends
 * after close throw {@link io.kubevde.vdeplug.PlugClosedException} "vde plug closed").
 */
public final class VdeClientPlug implements Plug {
  private static final Logger LOG = LoggerFactory.getLogger(VdeClientPlug.class);

  /** How long to wait for the switch's reply (ms); vdeplug4 waits forever (§12.6, §12.9). */
  public static final int REPLY_TIMEOUT_MS = 20_000;

  private static final List<Path> DEFAULT_DIRS =
      List.of(Path.of("/var/run/vde.ctl"), Path.of("/tmp/vde.ctl"));
  private static final List<Path> FALLBACK_DIRS =
      List.of(Path.of("/var/run"), Path.of("/var/tmp"), Path.of("/tmp"));

  private final UnixSocket ctl;
  private final UnixSocket data;
  private final Path switchSocket;
  private final FdPlugLifecycle life;
  private final PlugStats stats = new PlugStats();
  private final ByteBuffer ctlScratch = ByteBuffer.allocateDirect(256);

  private VdeClientPlug(UnixSocket ctl, UnixSocket data, Path switchSocket) throws IOException {
    this.ctl = ctl;
    this.data = data;
    this.switchSocket = switchSocket;
    this.life = FdPlugLifecycle.withEventFd("vde plug", Integer.MAX_VALUE);
  }

  /** The switch's data socket this plug sends to (from the reply). */
  public Path switchSocket() {
    return switchSocket;
  }

  /**
   * Connects to the switch named by {@code o} and performs the §3.4 handshake.
   *
   * @param description the full description (e.g. {@code "vdeplug: user=root pid=8000"}), at most
   *     127 bytes sent
   * @throws IOException when the directory does not exist, the ctl socket refuses, the data socket
   *     cannot be bound, or the switch closes the connection or does not reply within {@link
   *     #REPLY_TIMEOUT_MS}
   */
  public static VdeClientPlug open(VdeOptions o, String description) throws IOException {
    Path dir = switchDir(o.path());
    UnixSocket ctl = UnixSocket.create(LibC.SOCK_STREAM, false);
    UnixSocket data = null;
    Path own = null;
    try {
      connectCtl(ctl, dir, o);
      data = UnixSocket.create(LibC.SOCK_DGRAM, false);
      own = bindData(data, dir);
      setPermissions(own, dir, o);
      int type =
          o.port().map(p -> p == 0 ? VdeRequest.NEW_PORT0 : VdeRequest.newControl(p)).orElse(0);
      byte[] req = new VdeRequest(type, own.toString(), description).encode();
      ByteBuffer out = ByteBuffer.allocateDirect(req.length).put(req).flip();
      ctl.sendAll(out);
      VdeReply reply = readReply(ctl, dir);
      Path remote = Path.of(reply.dataSocket());
      data.connect(remote);
      LibC.INSTANCE.chmod(remote.toString(), o.mode());
      Files.deleteIfExists(own);
      own = null;
      return new VdeClientPlug(ctl, data, remote);
    } catch (IOException | RuntimeException e) {
      ctl.close();
      if (data != null) data.close();
      if (own != null) Files.deleteIfExists(own);
      throw e;
    }
  }

  private static Path switchDir(String path) throws IOException {
    if (path.isEmpty()) {
      for (Path d : DEFAULT_DIRS) if (Files.isDirectory(d)) return d.toRealPath();
      throw new IOException(
          "vde: no default switch: neither /var/run/vde.ctl nor /tmp/vde.ctl exists");
    }
    Path p = Path.of(path);
    if (!Files.exists(p))
      throw new IOException("vde: switch directory " + path + " does not exist");
    return p.toRealPath();
  }

  private static void connectCtl(UnixSocket ctl, Path dir, VdeOptions o) throws IOException {
    if (o.portgroup().isPresent() && o.port().isEmpty()) {
      if (ctl.tryConnect(dir.resolve(o.portgroup().get())) == 0) return;
    }
    Path c = Files.isDirectory(dir) ? dir.resolve("ctl") : dir;
    ctl.connect(c);
  }

  private static Path bindData(UnixSocket data, Path dir) throws IOException {
    long pid = ProcessHandle.current().pid();
    List<Path> dirs = new ArrayList<>();
    dirs.add(dir);
    dirs.addAll(FALLBACK_DIRS);
    int lastErr = 0;
    for (int i = 0; i < dirs.size(); i++) {
      for (int seq = 0; seq < 100_000; seq++) {
        String name =
            i == 0
                ? String.format(".%05d-%05d", pid, seq)
                : String.format("vde.%05d-%05d", pid, seq);
        Path p = dirs.get(i).resolve(name);
        int rc = data.tryBind(p);
        if (rc == 0) return p;
        lastErr = -rc;
        if (lastErr != io.kubevde.vdeplug.unix.Errno.EADDRINUSE) break;
      }
    }
    throw UnixSocket.error("bind data socket in", dir, lastErr);
  }

  /** §3.4 step 6: group, the ctl owner's group rule, then chmod(mode). */
  private static void setPermissions(Path own, Path dir, VdeOptions o) throws IOException {
    int mode = o.mode();
    if (o.group().isPresent()) {
      FilePermissions.chgrp(own, o.group().get());
    } else if ((mode & 077) == 0) {
      Path ctlPath = dir.resolve("ctl");
      try {
        int uid = (Integer) Files.getAttribute(ctlPath, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (uid != 0 && uid != LibC.INSTANCE.geteuid()) {
          int gid = (Integer) Files.getAttribute(ctlPath, "unix:gid", LinkOption.NOFOLLOW_LINKS);
          mode |= LibC.INSTANCE.chown(own.toString(), -1, gid) == 0 ? 070 : 077;
        }
      } catch (IOException | UnsupportedOperationException e) {
        LOG.atDebug().log(() -> "no ctl owner for " + ctlPath + ": " + e.getMessage());
      }
    }
    FilePermissions.chmod(own, mode);
  }

  private static VdeReply readReply(UnixSocket ctl, Path dir) throws IOException {
    ByteBuffer in = ByteBuffer.allocateDirect(VdeReply.SIZE);
    long deadline = System.nanoTime() + REPLY_TIMEOUT_MS * 1_000_000L;
    try (FdWaiter w = new FdWaiter(ctl.fd())) {
      while (in.hasRemaining()) {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0)
          throw new IOException(
              "vde: switch " + dir + " did not reply within " + REPLY_TIMEOUT_MS + " ms");
        if (w.await((int) left) == 0) continue;
        long n = ctl.tryReceive(in);
        if (n == -LibC.EAGAIN || n == -LibC.EINTR) continue;
        if (n == 0)
          throw new IOException(
              "vde: switch " + dir + " refused the connection (closed it without reply)");
        if (n < 0) throw UnixSocket.error("read reply from", dir, (int) -n);
      }
    }
    in.flip();
    return VdeReply.decode(in)
        .orElseThrow(() -> new IOException("vde: malformed reply from switch " + dir));
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int len = frame.remaining();
    if (!life.enterSend(frame, stats)) return;
    try {
      long n = data.trySend(frame);
      if (n < 0) stats.dropped();
      else stats.sent(len);
    } finally {
      life.leave();
    }
    frame.position(frame.limit());
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    if (!life.enterReceive()) return CLOSED;
    try {
      int mask =
          1; // try the data socket first: under load a frame is usually queued, saving the poll
      while (true) {
        if (life.isClosed()) return CLOSED;
        if (mask == 0) mask = life.awaitReadable(data.fd(), ctl.fd());
        if ((mask & FdPlugLifecycle.WOKEN) != 0) return CLOSED;
        if ((mask & 2) != 0) {
          ctlScratch.clear();
          long c = ctl.tryReceive(ctlScratch);
          if (c == 0 || (c < 0 && c != -LibC.EAGAIN && c != -LibC.EINTR)) return CLOSED;
        }
        if ((mask & 1) == 0) {
          mask = 0;
          continue;
        }
        {
          int start = frame.position();
          long n = data.tryReceive(frame);
          if (n == -LibC.EAGAIN || n == -LibC.EINTR) {
            mask = 0;
            continue;
          }
          if (n < 0) {
            stats.malformed();
            return NO_FRAME;
          }
          if (n < MIN_FRAME) {
            frame.position(start);
            stats.dropped();
            return NO_FRAME;
          }
          stats.received((int) n);
          return (int) n;
        }
      }
    } finally {
      life.leaveReceive();
    }
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Wakes the receiver, waits until it and any sender have left, closes both sockets. Idempotent,
   * any thread.
   */
  @Override
  public void close() throws IOException {
    life.close(
        () -> {
          data.close();
          ctl.close();
        });
  }

  @Override
  public String toString() {
    return "vde client of " + switchSocket;
  }
}
