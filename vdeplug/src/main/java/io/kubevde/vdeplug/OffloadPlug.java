package io.kubevde.vdeplug;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A plug that can also carry super-frames (offloads.md): frames of up to {@link #MAX_SUPER_FRAME}
 * bytes described by a {@link GsoInfo} (checksum still to complete, TCP/UDP segmentation still to
 * do). Two offload plugs joined by a pump exchange super-frames and so cut the per-frame system
 * calls; what leaves either plug toward the outside world is still what {@link Plug} promises
 * (whole Ethernet frames of at most {@link Plug#MAX_FRAME} bytes with complete checksums on the
 * wire), so no peer has to know.
 *
 * <p>Buffers: both calls may use the {@link #HEADROOM} bytes just before the buffer's position as
 * scratch space (a tap puts its virtio-net header there, vxvde its 8-byte header), so the caller
 * must leave them free; the buffer must be direct with its default (big-endian) byte order.
 *
 * <p>Threads: as for {@link Plug}: one receiver and one sender at a time.
 */
public interface OffloadPlug extends Plug {
  /** Largest super-frame in bytes: a 64 KiB IP packet plus Ethernet and VLAN headers. */
  int MAX_SUPER_FRAME = 65535 + 18;

  /** Scratch bytes a caller leaves free before the buffer position. */
  int HEADROOM = 16;

  /**
   * Whether this plug was opened with offloads on (its {@code offload} option); when false the two
   * methods below must not be used.
   */
  boolean offloadEnabled();

  /**
   * Like {@link Plug#receive} but may deliver a super-frame ({@code frame} needs {@link
   * #MAX_SUPER_FRAME} bytes remaining) and fills {@code info} (cleared for a plain frame).
   *
   * @return the frame length in bytes, {@link Plug#NO_FRAME} or {@link Plug#CLOSED}
   * @throws IOException if the transport failed for good
   */
  int receiveOffload(ByteBuffer frame, GsoInfo info) throws IOException;

  /**
   * Like {@link Plug#send} for a frame that may be a super-frame described by {@code info}; the
   * plug completes checksums or segments as its transport needs. A super-frame that does not parse
   * (not Ethernet + IPv4/IPv6 + TCP/UDP as {@code info} says) is dropped and counted as malformed.
   *
   * @throws IOException if the plug is closed or its transport failed for good
   */
  void sendOffload(ByteBuffer frame, GsoInfo info) throws IOException;

  /**
   * Like {@link #receiveOffload} but never waits ({@link Plug#receiveNow}); the default returns
   * {@link Plug#AGAIN}.
   *
   * @return as {@link #receiveOffload}, or {@link Plug#AGAIN} when nothing is ready
   * @throws IOException if the transport failed for good
   */
  default int receiveOffloadNow(ByteBuffer frame, GsoInfo info) throws IOException {
    return AGAIN;
  }

  /**
   * Like {@link #sendOffload}, but an ordinary frame may be kept until {@link #flush} as with
   * {@link Plug#sendLater} (a super-frame sends what is pending first, then goes at once). The
   * default sends at once.
   *
   * @throws IOException as {@link #sendOffload}
   */
  default void sendOffloadLater(ByteBuffer frame, GsoInfo info) throws IOException {
    sendOffload(frame, info);
  }

  /**
   * Whether {@link #sendOffload} takes UDP super-frames ({@link GsoInfo#GSO_UDP_L4}) as they are; a
   * tap does only where the kernel has USO (Linux ≥ 6.2). Default: false.
   */
  default boolean takesUdpSuperFrames() {
    return false;
  }

  /**
   * Tells this plug whether the plug its {@link #receiveOffload} frames go to {@link
   * #takesUdpSuperFrames}; a plug that coalesces UDP does so only then. Default: ignored.
   */
  default void peerTakesUdpSuperFrames(boolean yes) {}
}
