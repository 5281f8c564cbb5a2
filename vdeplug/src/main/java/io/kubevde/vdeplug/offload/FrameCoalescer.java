package io.kubevde.vdeplug.offload;

import io.kubevde.vdeplug.GsoInfo;
import java.nio.ByteBuffer;

/**
 * Merges a run of frames into one super-frame for a tap (GRO, offloads.md §5): {@link #start} with
 * the first frame already in the output buffer, {@link #append} each candidate until one is
 * refused, then {@link #finish}. Implementations: {@link TcpCoalescer}, {@link UdpCoalescer}.
 */
public interface FrameCoalescer {
  /**
   * Starts a run with the frame {@code out[off, off + len)}; appended payloads go after it, up to
   * the absolute index {@code limit}.
   *
   * @return whether the frame can take followers; when false, {@link #finish} leaves it as it is
   */
  boolean start(ByteBuffer out, int off, int len, int limit);

  /**
   * Appends the frame {@code src[soff, soff + slen)} if it continues the run.
   *
   * @return whether it was appended; false leaves the run unchanged
   */
  boolean append(ByteBuffer src, int soff, int slen);

  /**
   * Ends the run and fills {@code info} (cleared for a run of one).
   *
   * @return the length of the resulting frame in bytes
   */
  int finish(GsoInfo info);
}
