package io.kubevde.agent.handover;

import io.kubevde.agent.model.AgentVersion;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The new agent's side of a hand-over (agent/README.md "Hand-over"): before it opens anything, it
 * connects to {@code <run-dir>/handover.sock}; when an agent answers, it receives that agent's taps
 * and uplink sockets, confirms (TAKEN) and waits until the old agent has stopped and freed its
 * sockets (RELEASED). No socket or a refused connection means no running predecessor (first start,
 * or after a crash): the agent starts the usual way.
 */
public final class HandoverClient {
  private static final Logger LOG = LoggerFactory.getLogger(HandoverClient.class);
  private static final int ENOENT = 2;
  private static final int ECONNREFUSED = 111;

  private HandoverClient() {}

  /**
   * Takes over from the agent serving {@code socket}, if any.
   *
   * @param timeoutMs how long to wait for each answer (STATE, every FDS, RELEASED)
   * @return the received fds, or empty when no agent runs there or the hand-over failed (logged;
   *     whatever was received is closed)
   */
  public static Optional<ReceivedFds> takeOver(Path socket, long timeoutMs) {
    if (!Files.exists(socket)) return Optional.empty();
    UnixSocket s;
    try {
      s = UnixSocket.create(LibC.SOCK_SEQPACKET, false);
    } catch (IOException e) {
      LOG.warn("hand-over: " + e.getMessage());
      return Optional.empty();
    }
    int rc = s.tryConnect(socket);
    if (rc == -ENOENT || rc == -ECONNREFUSED) {
      s.close();
      LOG.info("hand-over: no running agent at " + socket + " (stale socket)");
      return Optional.empty();
    }
    if (rc < 0) {
      s.close();
      LOG.warn("hand-over: connect " + socket + ": " + LibC.message(-rc));
      return Optional.empty();
    }
    long t0 = System.nanoTime();
    int[] fds = new int[0];
    ReceivedFds result = null;
    try (HandoverChannel ch = new HandoverChannel(s)) {
      ch.send(new HandoverMessage.Hello(ProcessHandle.current().pid(), AgentVersion.VERSION));
      HandoverChannel.Received first = ch.receive(timeoutMs);
      closeAll(first.fds());
      if (!(first.message() instanceof HandoverMessage.State state))
        throw new IOException("expected STATE, got " + first.message());
      fds = new int[state.fdCount()];
      int got = 0;
      while (got < state.fdCount()) {
        HandoverChannel.Received r = ch.receive(timeoutMs);
        if (!(r.message() instanceof HandoverMessage.Fds f)
            || f.firstFd() != got
            || f.count() != r.fds().length
            || got + f.count() > fds.length) {
          closeAll(r.fds());
          throw new IOException("expected FDS from " + got + ", got " + r.message());
        }
        System.arraycopy(r.fds(), 0, fds, got, f.count());
        got += f.count();
      }
      result = new ReceivedFds(state, fds);
      ch.send(new HandoverMessage.Taken());
      HandoverChannel.Received released = ch.receive(timeoutMs);
      closeAll(released.fds());
      if (!(released.message() instanceof HandoverMessage.Released))
        throw new IOException("expected RELEASED, got " + released.message());
      LOG.info(
          "hand-over: took "
              + state.taps().size()
              + " tap(s) and "
              + state.uplinks().stream().filter(u -> u.fds() > 0).count()
              + " uplink(s) in "
              + (System.nanoTime() - t0) / 1_000_000
              + " ms");
      return Optional.of(result);
    } catch (IOException | RuntimeException e) {
      if (result != null) {
        // TAKEN was sent: the old agent is stopping; keep the fds, traffic resumes through them
        LOG.warn("hand-over: " + e.getMessage() + "; continuing with the received fds");
        return Optional.of(result);
      }
      closeAll(fds);
      LOG.warn("hand-over failed, starting anew: " + e.getMessage());
      return Optional.empty();
    }
  }

  private static void closeAll(int[] fds) {
    for (int fd : fds) if (fd > 0) LibC.INSTANCE.close(fd);
  }
}
