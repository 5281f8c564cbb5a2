package io.kubevde.vdeplug.fd;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugClosedException;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The life cycle every fd-based plug shares: the closed flag, the guard around send and receive,
 * the wake-up of a blocked receiver, the send size check and a close that is safe from any thread.
 *
 * <p>Use:
 *
 * <pre>{@code
 * public void send(ByteBuffer frame) throws IOException {
 *     if (!life.enterSend(frame, stats)) return;      // closed: throws; too short/long: counted drop
 *     try { ...write frame to fd... } finally { life.leave(); }
 * }
 * public int receive(ByteBuffer frame) throws IOException {
 *     if (!life.enterReceive()) return CLOSED;        // closed: CLOSED; another receiver inside: ISE
 *     try {
 *         while (true) {
 *             ...try a non-blocking read; when nothing is queued:
 *             if ((life.awaitReadable(fd) & FdPlugLifecycle.WOKEN) != 0) return CLOSED;
 *         }
 *     } finally { life.leaveReceive(); }
 * }
 * public void close() throws IOException { life.close(() -> C.close(fd)); }
 * }</pre>
 *
 * <p>Wake-up: {@link #awaitReadable} polls the plug's fds together with an eventfd (no periodic
 * timeout); {@link #close} writes the eventfd, which then stays readable, so a receiver blocked in
 * poll and every later poll return at once. Plugs built on JDK channels ({@link #forChannels}) have
 * no eventfd: their wake-up is the {@code wake} action given to {@link #close(Runnable, Release)}
 * (closing the channel, waking its selector).
 *
 * <p>Close ({@link #close(Runnable, Release)}): marks the plug closed, wakes the receiver, waits
 * until no thread is inside send or receive (so an fd is never closed under a thread still using
 * it: no fd-reuse races), runs the release action exactly once, then closes the eventfd. Every
 * caller, from any thread and in any number, returns only after the release has run; the second and
 * later calls do nothing else. A close called by the receiving thread itself (from inside receive)
 * does not wait for itself: the release then runs when that thread leaves receive.
 *
 * <p>Sends after close throw {@link PlugClosedException} (a {@link
 * java.nio.channels.ClosedChannelException}, named after the plug); receives after close return
 * {@link Plug#CLOSED}. One receiver at a time: a second thread entering receive while one is inside
 * gets an {@link IllegalStateException}. Any number of senders may be inside at once; the plug
 * serialises them itself if its fd needs it.
 *
 * <p>The hot path does not allocate: enter/leave are one atomic add each, the pollfd buffers are
 * reused.
 */
public final class FdPlugLifecycle {
  /** Bit returned by {@link #awaitReadable} and {@link #awaitWritable}: the plug is closing. */
  public static final int WOKEN = 1 << 30;

  /** Largest number of data fds {@link #awaitReadable} polls at once. */
  public static final int MAX_FDS = 2;

  private static final LibC C = LibC.INSTANCE;

  /**
   * What {@link #close} releases once no thread is inside send or receive (close fds, unlink files,
   * ...).
   */
  @FunctionalInterface
  public interface Release {
    /** Releases the plug's resources; runs once. */
    void run() throws IOException;
  }

  private final String name;
  private final int maxFrame;
  private final int wakeFd;
  private final AtomicInteger inside = new AtomicInteger();
  private final AtomicReference<Thread> receiver = new AtomicReference<>();
  private final Object monitor = new Object();
  private final ByteBuffer readPoll;
  private final ByteBuffer writePoll;
  private volatile boolean closed;
  private volatile boolean receiveShut;
  // guarded by monitor
  private Release release;
  private boolean releaseStarted;
  private boolean releaseDone;
  private IOException releaseError;

  private FdPlugLifecycle(String name, int maxFrame, int wakeFd) {
    this.name = name;
    this.maxFrame = maxFrame;
    this.wakeFd = wakeFd;
    if (wakeFd >= 0) {
      readPoll = ByteBuffer.allocateDirect(8 * (MAX_FDS + 1)).order(ByteOrder.nativeOrder());
      writePoll = ByteBuffer.allocateDirect(16).order(ByteOrder.nativeOrder());
      readPoll.putInt(8 * MAX_FDS, wakeFd).putShort(8 * MAX_FDS + 4, LibC.POLLIN);
      writePoll.putInt(8, wakeFd).putShort(12, LibC.POLLIN);
    } else {
      readPoll = null;
      writePoll = null;
    }
  }

  /**
   * A life cycle with an eventfd for plugs that wait in poll(2) on their own fds.
   *
   * @param name what the plug is, for messages: {@code "vde plug"} gives "vde plug closed"
   * @param maxFrame the largest frame {@link #enterSend} accepts, in bytes (usually {@link
   *     Plug#MAX_FRAME}; {@link Integer#MAX_VALUE} for no upper bound)
   * @throws IOException when eventfd(2) fails (EMFILE)
   */
  public static FdPlugLifecycle withEventFd(String name, int maxFrame) throws IOException {
    int efd = C.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
    if (efd < 0) throw new IOException(name + ": eventfd: " + LibC.message(LibC.errno()));
    return new FdPlugLifecycle(name, maxFrame, efd);
  }

  /**
   * A life cycle without an eventfd, for plugs whose blocking calls are JDK channel calls: the
   * caller's {@code wake} action given to {@link #close(Runnable, Release)} unblocks the receiver.
   * {@link #awaitReadable}/{@link #awaitWritable} are not available.
   */
  public static FdPlugLifecycle forChannels(String name, int maxFrame) {
    return new FdPlugLifecycle(name, maxFrame, -1);
  }

  /** Whether {@link #close} has been called (the plug may still be releasing). */
  public boolean isClosed() {
    return closed;
  }

  /**
   * Ends receiving without closing (a half close, like {@code shutdown(SHUT_RD)} but local): a
   * receiver blocked in {@link #awaitReadable} is woken and every later wait returns {@link #WOKEN}
   * at once; sends go on and the fds stay open until {@link #close}. A plug checks {@link
   * #isReceiveShut} before each new read from its fds and returns {@link Plug#CLOSED} then, after
   * handing out what it already read (a batch, segments). Used to stop a reader before its fds are
   * handed to another process (agent hand-over) without losing the frame it holds. Idempotent, any
   * thread; needs an eventfd ({@link #withEventFd}).
   *
   * @throws IllegalStateException for a life cycle without an eventfd ({@link #forChannels})
   */
  public void shutdownReceive() {
    if (wakeFd < 0) throw new IllegalStateException(name + ": no eventfd to wake the receiver");
    receiveShut = true;
    ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1L);
    synchronized (monitor) {
      if (!releaseDone) C.write(wakeFd, one, 8);
    }
  }

  /**
   * Whether receiving has ended: {@link #shutdownReceive} or {@link #close} was called. A plug
   * reads nothing more from its fds once this is true.
   */
  public boolean isReceiveShut() {
    return receiveShut || closed;
  }

  /** The exception sends throw once closed: {@code "<name> closed"}. */
  public PlugClosedException closedException() {
    return new PlugClosedException(name + " closed");
  }

  /** Throws {@link #closedException()} when closed. */
  public void ensureOpen() throws PlugClosedException {
    if (closed) throw closedException();
  }

  /**
   * The send checks without entering: throws when closed; a frame shorter than {@link
   * Plug#MIN_FRAME} or longer than the plug's maximum is dropped: counted in {@code stats} (when
   * not null) and its position set to its limit.
   *
   * @return true when the frame may be sent
   * @throws PlugClosedException when the plug is closed
   */
  public boolean admit(ByteBuffer frame, PlugStats stats) throws PlugClosedException {
    ensureOpen();
    int n = frame.remaining();
    if (n < Plug.MIN_FRAME || n > maxFrame) {
      frame.position(frame.limit());
      if (stats != null) stats.dropped();
      return false;
    }
    return true;
  }

  /**
   * {@link #admit} then {@link #enter}: on true the caller sends and must call {@link #leave()} (in
   * a finally); on false the frame was dropped and there is nothing to leave.
   *
   * @throws PlugClosedException when the plug is closed
   */
  public boolean enterSend(ByteBuffer frame, PlugStats stats) throws PlugClosedException {
    if (!admit(frame, stats)) return false;
    enter();
    return true;
  }

  /**
   * Enters an operation that uses the plug's fds (a send, an ioctl); {@link #close} waits until it
   * {@link #leave}s.
   *
   * @throws PlugClosedException when the plug is closed
   */
  public void enter() throws PlugClosedException {
    inside.incrementAndGet();
    if (closed) {
      leave();
      throw closedException();
    }
  }

  /** Leaves an operation entered with {@link #enter} or {@link #enterSend}. */
  public void leave() {
    if (inside.decrementAndGet() == 0 && closed) lastOut();
  }

  /**
   * Enters receive.
   *
   * @return false when the plug is closed (the caller returns {@link Plug#CLOSED}); on true the
   *     caller must call {@link #leaveReceive()} in a finally
   * @throws IllegalStateException when another thread is inside receive
   */
  public boolean enterReceive() {
    Thread me = Thread.currentThread();
    if (!receiver.compareAndSet(null, me)) {
      throw new IllegalStateException(
          name
              + ": receive called by "
              + me.getName()
              + " while "
              + receiver.get()
              + " is receiving (one receiver at a time)");
    }
    inside.incrementAndGet();
    if (closed) {
      leaveReceive();
      return false;
    }
    return true;
  }

  /** Leaves receive. */
  public void leaveReceive() {
    receiver.set(null);
    leave();
  }

  /**
   * Waits (receiver only) until {@code fd0} or {@code fd1} is readable, hung up or in error, or the
   * plug closes. An fd of -1 is ignored. No timeout.
   *
   * @return a mask: bit 0 for {@code fd0}, bit 1 for {@code fd1} (their events: {@link #revents}),
   *     {@link #WOKEN} when the plug is closing or its receiving was shut down ({@link
   *     #shutdownReceive}); 0 after a signal interrupted poll (EINTR: call again)
   * @throws IOException when poll(2) fails otherwise
   */
  public int awaitReadable(int fd0, int fd1) throws IOException {
    if (closed || receiveShut) return WOKEN;
    ByteBuffer p = readPoll;
    p.putInt(0, fd0).putShort(4, LibC.POLLIN).putShort(6, (short) 0);
    p.putInt(8, fd1).putShort(12, LibC.POLLIN).putShort(14, (short) 0);
    p.putShort(8 * MAX_FDS + 6, (short) 0);
    int rc = C.poll(p, MAX_FDS + 1, -1);
    if (rc < 0) {
      int err = LibC.errno();
      if (err == LibC.EINTR) return closed || receiveShut ? WOKEN : 0;
      throw new IOException(name + ": poll: " + LibC.message(err));
    }
    if (closed || receiveShut || p.getShort(8 * MAX_FDS + 6) != 0) return WOKEN;
    return (p.getShort(6) != 0 ? 1 : 0) | (p.getShort(14) != 0 ? 2 : 0);
  }

  /** {@link #awaitReadable(int, int)} on one fd. */
  public int awaitReadable(int fd) throws IOException {
    return awaitReadable(fd, -1);
  }

  /**
   * The poll events ({@code POLLIN}, {@code POLLHUP}, ...) of fd {@code i} (0 or 1) from the last
   * {@link #awaitReadable}.
   */
  public short revents(int i) {
    return readPoll.getShort(8 * i + 6);
  }

  /**
   * Waits until {@code fd} is writable (or in error) or the plug closes; for a sender whose
   * non-blocking send found the socket full. Callers serialise (one sender waiting at a time).
   *
   * @return false when the plug is closing, true otherwise (retry the send)
   * @throws IOException when poll(2) fails with anything but EINTR
   */
  public boolean awaitWritable(int fd) throws IOException {
    if (closed) return false;
    ByteBuffer p = writePoll;
    p.putInt(0, fd).putShort(4, LibC.POLLOUT).putShort(6, (short) 0).putShort(14, (short) 0);
    // after shutdownReceive the eventfd stays readable: wait on the fd alone, looking at the
    // closed flag every 100 ms
    boolean shut = receiveShut;
    int rc = C.poll(p, shut ? 1 : 2, shut ? 100 : -1);
    if (rc < 0 && LibC.errno() != LibC.EINTR)
      throw new IOException(name + ": poll: " + LibC.message(LibC.errno()));
    return !closed && (shut || p.getShort(14) == 0);
  }

  /** {@link #close(Runnable, Release)} with the eventfd as the only wake-up. */
  public void close(Release release) throws IOException {
    close(null, release);
  }

  /**
   * Closes: marks the plug closed, wakes the receiver (the eventfd, then {@code wake} when given),
   * waits until no thread is inside send or receive, runs {@code release} once (the first
   * caller's), closes the eventfd. Returns when that is done, for every caller; idempotent; safe
   * from any thread. Interrupts do not cut the wait short (the interrupt flag is kept).
   *
   * @param wake an extra wake-up (close a JDK channel, wake a selector) or null; may run more than
   *     once
   * @param release frees the plug's resources; its IOException is thrown by one of the closers
   * @throws IOException what {@code release} threw (to one caller only)
   */
  public void close(Runnable wake, Release release) throws IOException {
    synchronized (monitor) {
      if (this.release == null) this.release = release;
    }
    closed = true;
    if (wakeFd >= 0) {
      ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder()).putLong(0, 1L);
      synchronized (monitor) {
        if (!releaseDone) C.write(wakeFd, one, 8);
      }
    }
    if (wake != null) wake.run();
    if (receiver.get() == Thread.currentThread())
      return; // released when this thread leaves receive
    boolean interrupted = false;
    synchronized (monitor) {
      while (inside.get() != 0) {
        try {
          monitor.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    runRelease();
    IOException error;
    synchronized (monitor) {
      while (!releaseDone) {
        try {
          monitor.wait();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      error = releaseError;
      releaseError = null;
    }
    if (interrupted) Thread.currentThread().interrupt();
    if (error != null) throw error;
  }

  private void lastOut() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
    runRelease();
  }

  private void runRelease() {
    Release r;
    synchronized (monitor) {
      if (releaseStarted || inside.get() != 0 || !closed) return;
      releaseStarted = true;
      r = release;
    }
    IOException error = null;
    try {
      if (r != null) r.run();
    } catch (IOException e) {
      error = e;
    } catch (RuntimeException e) {
      error = new IOException(name + ": close failed: " + e, e);
    } finally {
      synchronized (monitor) {
        if (wakeFd >= 0) C.close(wakeFd);
        releaseError = error;
        releaseDone = true;
        monitor.notifyAll();
      }
    }
  }

  @Override
  public String toString() {
    return name + (closed ? " (closed)" : "");
  }
}
