package io.kubevde.agent.handover;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.NetworkSwitch;
import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import io.kubevde.vdeplug.unix.ScmRights;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running agent's side of a hand-over (agent/README.md "Hand-over"): listens on {@code
 * <run-dir>/handover.sock} (mode 0600); when a new agent connects and says HELLO, sends it
 * duplicates of every open pod tap and uplink socket (STATE + FDS), and once it answers TAKEN runs
 * {@code stop} (the whole agent stops: CNI socket, ports, link paths, rendezvous, switch readers),
 * answers RELEASED and runs {@code handedOver} (the process exits). Until TAKEN nothing changes
 * here: a new agent that dies mid-way leaves this one running. One hand-over at a time.
 */
public final class HandoverServer implements AutoCloseable {
  /** The socket's file name in the run directory. */
  public static final String SOCKET = "handover.sock";

  private static final Logger LOG = LoggerFactory.getLogger(HandoverServer.class);
  private static final long HELLO_MS = 5_000;
  private static final long TAKEN_MS = 30_000;

  private final Path path;
  private final DataPlane dataPlane;
  private final Runnable stop;
  private final Runnable handedOver;
  private UnixSocket listener;
  private Thread acceptor;
  private volatile boolean closed;

  /**
   * @param path the socket path ({@code <run-dir>/handover.sock})
   * @param dataPlane whose taps and uplinks are handed over
   * @param stop stops this agent after TAKEN (must free the CNI socket, ports and rendezvous)
   * @param handedOver run after RELEASED was sent
   */
  public HandoverServer(Path path, DataPlane dataPlane, Runnable stop, Runnable handedOver) {
    this.path = path;
    this.dataPlane = dataPlane;
    this.stop = stop;
    this.handedOver = handedOver;
  }

  /**
   * Binds (replacing a stale socket file of a dead agent) and starts accepting.
   *
   * @throws IOException when the socket cannot be bound
   */
  public synchronized void start() throws IOException {
    Files.deleteIfExists(path);
    listener = UnixSocket.create(LibC.SOCK_SEQPACKET, false);
    listener.bind(path);
    LibC.INSTANCE.chmod(path.toString(), 0600);
    listener.listen(1);
    acceptor = Thread.ofPlatform().daemon().name("agent-handover").start(this::acceptLoop);
  }

  private void acceptLoop() {
    ByteBuffer pfd = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());
    while (!closed) {
      pfd.putInt(0, listener.fd()).putShort(4, LibC.POLLIN).putShort(6, (short) 0);
      if (LibC.INSTANCE.poll(pfd, 1, 200) <= 0) continue;
      if (closed) return;
      UnixSocket conn = listener.tryAccept();
      if (conn == null) continue;
      // blocking from here on (tryAccept made it non-blocking): records are waited for with poll
      LibC.INSTANCE.fcntl(conn.fd(), 4 /* F_SETFL */, LibC.O_RDWR);
      try (HandoverChannel ch = new HandoverChannel(conn)) {
        if (serve(ch)) return;
      } catch (IOException | RuntimeException e) {
        LOG.warn("hand-over failed, this agent keeps running: " + e.getMessage());
      }
    }
  }

  /**
   * @return true when this agent handed over and stopped
   */
  private boolean serve(HandoverChannel ch) throws IOException {
    HandoverChannel.Received hello = ch.receive(HELLO_MS);
    closeAll(hello.fds());
    if (!(hello.message() instanceof HandoverMessage.Hello h)) {
      ch.send(new HandoverMessage.Refused("expected HELLO"));
      return false;
    }
    LOG.info("hand-over: new agent pid " + h.pid() + " (" + h.agentVersion() + ") asks");
    long t0 = System.nanoTime();
    List<HandoverMessage.Uplink> uplinks = new ArrayList<>();
    List<HandoverMessage.Tap> taps = new ArrayList<>();
    List<Integer> dups = new ArrayList<>();
    try {
      // under the data plane's lock: no DEL closes a tap (and frees its fd number) while we dup it
      dataPlane.locked(
          () -> {
            for (NetworkSwitch sw : dataPlane.networks()) {
              int[] fds = sw.uplinkFds();
              if (fds.length == 2 && fds[0] == fds[1]) fds = new int[] {fds[0]};
              int first = dups.size();
              int n = 0;
              for (int fd : fds) {
                int d = LibC.INSTANCE.dup(fd);
                if (d >= 0) {
                  dups.add(d);
                  n++;
                }
              }
              if (n != fds.length) { // keep none of a half-duplicated uplink
                for (int i = first; i < dups.size(); i++) LibC.INSTANCE.close(dups.get(i));
                dups.subList(first, dups.size()).clear();
                n = 0;
              }
              uplinks.add(
                  new HandoverMessage.Uplink(
                      sw.config().key(), String.valueOf(sw.uplinkVnl()), n, n == 0 ? 0 : first));
            }
            for (Map.Entry<AttachmentKey, TapDevice> e : dataPlane.openTaps().entrySet()) {
              int d = LibC.INSTANCE.dup(e.getValue().fd());
              if (d < 0) continue;
              taps.add(new HandoverMessage.Tap(e.getKey(), dups.size()));
              dups.add(d);
            }
            return null;
          });
      int[] all = dups.stream().mapToInt(Integer::intValue).toArray();
      ch.send(new HandoverMessage.State(all.length, uplinks, taps));
      for (int i = 0; i < all.length; i += ScmRights.MAX_FDS) {
        int[] chunk = Arrays.copyOfRange(all, i, Math.min(all.length, i + ScmRights.MAX_FDS));
        ch.send(new HandoverMessage.Fds(i, chunk.length), chunk);
      }
    } finally {
      for (int d : dups) LibC.INSTANCE.close(d); // in flight: the kernel holds its own references
    }
    HandoverChannel.Received taken = ch.receive(TAKEN_MS);
    closeAll(taken.fds());
    if (!(taken.message() instanceof HandoverMessage.Taken)) {
      LOG.warn("hand-over: new agent answered " + taken.message() + ", keeping on");
      return false;
    }
    LOG.info(
        "hand-over: "
            + taps.size()
            + " tap(s), "
            + uplinks.stream().filter(u -> u.fds() > 0).count()
            + " uplink(s) taken by pid "
            + h.pid()
            + "; stopping");
    if (!dataPlane.stopReading(5_000))
      LOG.warn("hand-over: a port reader did not stop within 5 s; stopping anyway");
    stop.run();
    ch.send(new HandoverMessage.Released());
    LOG.info("hand-over: released after " + (System.nanoTime() - t0) / 1_000_000 + " ms; exiting");
    handedOver.run();
    return true;
  }

  private static void closeAll(int[] fds) {
    for (int fd : fds) LibC.INSTANCE.close(fd);
  }

  /** Stops listening and removes the socket file (a hand-over in progress finishes). */
  @Override
  public synchronized void close() {
    if (closed) return;
    closed = true;
    if (listener != null) listener.close();
    try {
      Files.deleteIfExists(path);
    } catch (IOException ignored) {
      // best effort
    }
  }
}
