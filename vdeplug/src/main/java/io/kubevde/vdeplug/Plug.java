package io.kubevde.vdeplug;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One open VDE connection (a "plug"): it carries whole Ethernet frames (destination MAC, source
 * MAC, EtherType, payload; no FCS), as in vdeplug4 (vde-protocols.md §0.2).
 *
 * <p>Threading: one thread may call {@link #receive} while another calls {@link #send}; {@link
 * #close} may be called from any thread and makes a blocked {@code receive} return {@link #CLOSED}
 * promptly. After close, receive returns {@link #CLOSED} and send throws an {@link IOException}
 * (the fd-based plugs, built on {@link io.kubevde.vdeplug.fd.FdPlugLifecycle}, throw {@link
 * PlugClosedException}; their close returns only after the receiver has left receive).
 *
 * <p>Readiness: {@link #receive} blocks until a frame or an event arrives, which is the Java form
 * of vdeplug4's pollable {@code datafd}; a peer that goes away (vdeplug4's readable {@code ctlfd})
 * is reported as {@link #CLOSED}.
 */
public interface Plug extends Closeable {

  /**
   * Smallest frame any plug forwards: 14 bytes (two MACs and an EtherType). Shorter frames are
   * dropped.
   */
  int MIN_FRAME = 14;

  /** vdeplug4's {@code VDE_MAXMTU}: 9216 bytes of payload. */
  int MAX_MTU = 9216;

  /** vdeplug4's {@code VDE_ETHBUFSIZE}: 9234 bytes, the largest frame a plug delivers. */
  int MAX_FRAME = 9234;

  /**
   * {@link #receive} result: an event was consumed but no frame is delivered (vdeplug4's recv() ==
   * 1).
   */
  int NO_FRAME = 0;

  /** {@link #receive} result: the plug is closed or its peer is gone for good. */
  int CLOSED = -1;

  /**
   * Sends one frame: the bytes between {@code frame}'s position and limit (at most {@link
   * #MAX_FRAME} bytes). Frames shorter than {@link #MIN_FRAME} bytes are dropped silently, as
   * vdeplug4 does, and counted in {@link #stats()}. The buffer's position is advanced to its limit.
   *
   * @throws IOException if the plug is closed or its transport failed for good (a transient failure
   *     such as a full receiver is counted as a drop, not thrown)
   */
  void send(ByteBuffer frame) throws IOException;

  /**
   * Blocks until the next frame arrives and copies it into {@code frame} at its position (the
   * buffer needs at least {@link #MAX_FRAME} bytes remaining); the position is advanced past the
   * frame.
   *
   * @return the frame length in bytes (at least {@link #MIN_FRAME}), {@link #NO_FRAME} when an
   *     event consumed the call without a frame (a malformed datagram that was counted and dropped,
   *     a control message), or {@link #CLOSED} when the plug was closed or its peer went away
   * @throws IOException if the transport failed for good
   */
  int receive(ByteBuffer frame) throws IOException;

  /** {@link #receiveNow} result: no frame is ready (the call would have waited). */
  int AGAIN = -2;

  /**
   * Like {@link #receive} but never waits: delivers a frame only if one is ready now (batched I/O,
   * issue 14: a pump takes the frames that are already queued after a blocking {@link #receive} and
   * hands them to {@link #sendLater}). The default returns {@link #AGAIN} at once, so a pump over a
   * plug without batch support moves one frame per batch, as before.
   *
   * @return as {@link #receive}, or {@link #AGAIN} when nothing is ready
   * @throws IOException if the transport failed for good
   */
  default int receiveNow(ByteBuffer frame) throws IOException {
    return AGAIN;
  }

  /**
   * Like {@link #send}, but the plug may keep the frame (a copy: the caller may reuse {@code frame}
   * at once) until {@link #flush} to send several frames with one system call; a plug whose batch
   * is full sends it by itself. Frames leave in the order they were given, also when a {@link
   * #send} follows (it sends what is pending first). Every caller of {@code sendLater} must call
   * {@link #flush} before it waits for more input. The default sends at once.
   *
   * @throws IOException as {@link #send}
   */
  default void sendLater(ByteBuffer frame) throws IOException {
    send(frame);
  }

  /**
   * Sends every frame kept by {@link #sendLater}; a failure of single frames is counted as a drop,
   * as in {@link #send}. The default does nothing.
   *
   * @throws IOException if the plug is closed or its transport failed for good
   */
  default void flush() throws IOException {}

  /** The counters of this plug (frames, bytes, drops); never null. */
  PlugStats stats();

  /**
   * Stops receiving without closing: a {@link #receive} blocked now returns, after handing out any
   * frame the plug already took from the kernel (a read batch), {@link #CLOSED}, and so does every
   * later one; {@link #send} still works and the fds stay open until {@link #close}. Frames that
   * arrive afterwards stay queued in the kernel, for another reader of the same fds (the agent's
   * hand-over, agent/README.md "Hand-over"). Idempotent, any thread.
   *
   * @return true when the plug did it; false (the default) when it cannot, and the caller must
   *     {@link #close} it instead
   */
  default boolean shutdownReceive() {
    return false;
  }

  /** Releases every resource of the plug (sockets, files, threads); idempotent. */
  @Override
  void close() throws IOException;
}
