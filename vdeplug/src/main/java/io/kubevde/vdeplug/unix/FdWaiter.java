package io.kubevde.vdeplug.unix;

import io.kubevde.vdeplug.ffi.LibC;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Blocks one thread until one of a fixed set of fds is readable, or until {@link #wake()} is called
 * from another thread (an eventfd that stays readable once signalled: every later {@link #await}
 * returns at once). The Java form of the {@code poll(datafd, ctlfd)} loop of vde_plug. Reuses one
 * direct pollfd buffer; no per-call allocation.
 */
public final class FdWaiter implements AutoCloseable {
  /** {@link #await} result bit: the wake-up eventfd fired (the owner is closing). */
  public static final int WOKEN = 1 << 30;

  private static final LibC C = LibC.INSTANCE;
  private final int eventFd;
  private final int[] fds;
  private final ByteBuffer pollfds;
  private final ByteBuffer one = ByteBuffer.allocateDirect(8).order(ByteOrder.nativeOrder());

  /** Watches {@code fds} (at most 29) for POLLIN. */
  public FdWaiter(int... fds) {
    if (fds.length > 29) throw new IllegalArgumentException("at most 29 fds");
    this.fds = fds.clone();
    this.eventFd = C.eventfd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
    if (eventFd < 0) throw new IllegalStateException("eventfd: " + LibC.message(LibC.errno()));
    this.pollfds = ByteBuffer.allocateDirect(8 * (fds.length + 1)).order(ByteOrder.nativeOrder());
    for (int i = 0; i <= fds.length; i++) {
      pollfds.putInt(8 * i, i < fds.length ? fds[i] : eventFd);
      pollfds.putShort(8 * i + 4, LibC.POLLIN);
    }
  }

  /**
   * Waits up to {@code timeoutMs} (-1 = forever). Returns a bit mask: bit i set when {@code fds[i]}
   * is readable or hung up / in error, {@link #WOKEN} when {@link #wake()} was called, 0 on timeout
   * or EINTR.
   */
  public int await(int timeoutMs) {
    int n = fds.length + 1;
    for (int i = 0; i < n; i++) pollfds.putShort(8 * i + 6, (short) 0);
    int rc = C.poll(pollfds, n, timeoutMs);
    if (rc <= 0) return 0;
    int mask = 0;
    for (int i = 0; i < fds.length; i++) if (pollfds.getShort(8 * i + 6) != 0) mask |= 1 << i;
    if (pollfds.getShort(8 * fds.length + 6) != 0) mask |= WOKEN;
    return mask;
  }

  /**
   * Makes every current and future {@link #await} return {@link #WOKEN}; callable from any thread.
   */
  public void wake() {
    synchronized (one) {
      one.putLong(0, 1L);
      C.write(eventFd, one, 8);
    }
  }

  /** Closes the eventfd (call after the waiting thread has left {@link #await}). */
  @Override
  public void close() {
    C.close(eventFd);
  }
}
