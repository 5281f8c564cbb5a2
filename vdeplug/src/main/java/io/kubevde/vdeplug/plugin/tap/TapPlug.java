package io.kubevde.vdeplug.plugin.tap;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.OffloadPlug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.offload.Segmenter;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * {@code tap://NAME[/offload]} (vde-protocols.md §5): a plug on a {@link TapDevice}; frames read
 * from the interface are received, frames sent are written to it. Frames shorter than 14 bytes are
 * dropped both ways, and so are sent frames longer than {@link #MAX_FRAME} (counted). Closed: send
 * throws {@link io.kubevde.vdeplug.PlugClosedException}, receive returns {@link #CLOSED}; the
 * device's {@link io.kubevde.vdeplug.fd.FdPlugLifecycle} does the rest.
 *
 * <p>With offloads (a device opened with {@code IFF_VNET_HDR}, offloads.md §1): {@link
 * #receiveOffload} and {@link #sendOffload} move super-frames of up to 64 KiB with their {@link
 * GsoInfo} in one read or write each. The plain {@link #receive} still delivers only ordinary
 * frames with complete checksums: it segments a super-frame ({@link Segmenter}) and hands the
 * segments out one per call, so any other plug can be joined to an offload tap; the plain {@link
 * #send} writes the frame with an empty virtio-net header. Received super-frames that do not parse
 * are counted as malformed and dropped.
 *
 * <p>{@link #receiveNow} and {@link #receiveOffloadNow} read without waiting, so a pump can take
 * every frame already queued in the tap as one batch (issue 14); writes stay one write(2) per frame
 * (a tap has no batch write).
 */
public final class TapPlug implements OffloadPlug {
  private final TapDevice device;
  private final PlugStats stats = new PlugStats();
  private final boolean offload;
  private final GsoInfo plainInfo = new GsoInfo();
  private final GsoInfo rxInfo;
  private final Segmenter segmenter;
  private ByteBuffer superFrame;
  private ByteBuffer segments;
  private int pendingNext;
  private int pendingCount;

  /** Wraps an open device; closing the plug closes the device. */
  public TapPlug(TapDevice device) {
    this.device = device;
    this.offload = device.vnetHeader();
    this.rxInfo = offload ? new GsoInfo() : null;
    this.segmenter = offload ? new Segmenter() : null;
  }

  // the plain receive path of an offload tap reads super-frames here and cuts them: allocated at
  // its first use (a netnode port reads with receiveOffload and never needs them)
  private void allocatePlainReceive() {
    if (superFrame != null) return;
    superFrame = ByteBuffer.allocateDirect(HEADROOM + MAX_SUPER_FRAME);
    segments = ByteBuffer.allocateDirect(MAX_SUPER_FRAME + Segmenter.MAX_SEGMENTS * 256);
  }

  /** The underlying device. */
  public TapDevice device() {
    return device;
  }

  @Override
  public boolean offloadEnabled() {
    return offload;
  }

  /** True where the kernel took USO4/USO6 on TUNSETOFFLOAD (Linux ≥ 6.2). */
  @Override
  public boolean takesUdpSuperFrames() {
    return offload && device.udpSegmentationOffload();
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    int n = frame.remaining();
    if (!device.lifecycle().admit(frame, stats)) return;
    int w = offload ? device.writeVnet(frame, plainInfo.clear()) : device.write(frame);
    if (w > 0) stats.sent(n);
    else stats.dropped();
  }

  @Override
  public void sendOffload(ByteBuffer frame, GsoInfo info) throws IOException {
    requireOffload();
    int n = frame.remaining();
    if (n < MIN_FRAME || n > MAX_SUPER_FRAME) {
      frame.position(frame.limit());
      stats.malformed();
      return;
    }
    if (device.writeVnet(frame, info) > 0) stats.sent(n);
    else stats.dropped();
  }

  @Override
  public int receiveOffload(ByteBuffer frame, GsoInfo info) throws IOException {
    return receiveOffload(frame, info, true);
  }

  /** One read(2) without waiting ({@link TapDevice#readVnetNow}). */
  @Override
  public int receiveOffloadNow(ByteBuffer frame, GsoInfo info) throws IOException {
    return receiveOffload(frame, info, false);
  }

  private int receiveOffload(ByteBuffer frame, GsoInfo info, boolean wait) throws IOException {
    requireOffload();
    int pos = frame.position();
    int n = wait ? device.readVnet(frame, info) : device.readVnetNow(frame, info);
    if (n == CLOSED || n == AGAIN) return n;
    if (n < MIN_FRAME) {
      frame.position(pos);
      stats.malformed();
      return NO_FRAME;
    }
    stats.received(n);
    return n;
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    return receive(frame, true);
  }

  /** One read(2) without waiting ({@link TapDevice#readNow}); pending segments first. */
  @Override
  public int receiveNow(ByteBuffer frame) throws IOException {
    return receive(frame, false);
  }

  private int receive(ByteBuffer frame, boolean wait) throws IOException {
    if (!offload) {
      int n = wait ? device.read(frame) : device.readNow(frame);
      if (n == CLOSED || n == AGAIN) return n;
      if (n < MIN_FRAME) {
        frame.position(frame.position() - n);
        stats.malformed();
        return NO_FRAME;
      }
      stats.received(n);
      return n;
    }
    if (pendingNext < pendingCount) return nextSegment(frame);
    allocatePlainReceive();
    superFrame.clear().position(HEADROOM);
    int n = wait ? device.readVnet(superFrame, rxInfo) : device.readVnetNow(superFrame, rxInfo);
    if (n == CLOSED || n == AGAIN) return n;
    if (n < MIN_FRAME) {
      stats.malformed();
      return NO_FRAME;
    }
    if (rxInfo.isGso()) {
      int count = segmenter.segment(superFrame, HEADROOM, n, rxInfo, segments, 0, 0);
      if (count < 0) {
        stats.malformed();
        return NO_FRAME;
      }
      pendingCount = count;
      pendingNext = 0;
      return nextSegment(frame);
    }
    if (!segmenter.completeChecksum(superFrame, HEADROOM, n, rxInfo) || n > MAX_FRAME) {
      stats.malformed();
      return NO_FRAME;
    }
    return deliver(superFrame, HEADROOM, n, frame);
  }

  private int nextSegment(ByteBuffer frame) {
    int i = pendingNext++;
    int len = i == pendingCount - 1 ? segmenter.lastLength() : segmenter.segmentLength();
    return deliver(segments, i * segmenter.stride(), len, frame);
  }

  private int deliver(ByteBuffer from, int off, int len, ByteBuffer frame) {
    if (frame.remaining() < len) {
      stats.dropped();
      return NO_FRAME;
    }
    frame.put(frame.position(), from, off, len);
    frame.position(frame.position() + len);
    stats.received(len);
    return len;
  }

  private void requireOffload() {
    if (!offload) throw new IllegalStateException(this + " was opened without offload");
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  /**
   * Stops reading the tap ({@link TapDevice#shutdownRead}); segments of an offload super-frame
   * already read are still handed out first.
   */
  @Override
  public boolean shutdownReceive() {
    device.shutdownRead();
    return true;
  }

  @Override
  public void close() {
    device.close();
  }

  @Override
  public String toString() {
    return "tap://" + device.name() + (offload ? "/offload" : "");
  }
}
