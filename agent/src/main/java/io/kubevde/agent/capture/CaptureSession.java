package io.kubevde.agent.capture;

import io.kubevde.vdeplug.netnode.FrameObserver;
import io.kubevde.vdeplug.plugin.pcap.PcapngWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * One running capture: registered on a switch as its {@link FrameObserver}, it copies the frames
 * its {@link CaptureFilter} keeps into a bounded queue (never blocking the switch: a full queue
 * drops the frame and counts it), and {@link #run} writes them as pcapng blocks to the client.
 * Frames a filtered interface sent are marked outbound, the others inbound.
 */
final class CaptureSession implements FrameObserver {
  /** Frames waiting for the client at most (about 37 MiB of 9 KB frames in the worst case). */
  static final int QUEUE_FRAMES = 4096;

  private record Captured(long timeNanos, byte[] frame, boolean outbound) {}

  private final CaptureFilter filter;
  private final ArrayBlockingQueue<Captured> queue = new ArrayBlockingQueue<>(QUEUE_FRAMES);
  private final LongAdder dropped = new LongAdder();
  private long written;

  CaptureSession(CaptureFilter filter) {
    this.filter = filter;
  }

  @Override
  public void observe(int sourcePort, ByteBuffer frame) {
    if (!filter.keeps(frame)) return;
    byte[] copy = new byte[frame.remaining()];
    frame.get(frame.position(), copy);
    Instant now = Instant.now();
    long t = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    if (!queue.offer(new Captured(t, copy, filter.sentByOneOf(frame)))) dropped.increment();
  }

  /**
   * Writes queued frames to {@code out} until {@code count} frames are written (0 = no limit),
   * {@code live} answers false (checked at least once a second), or the client is gone.
   *
   * @return frames written
   * @throws IOException when the client cannot be written any more (it went away)
   * @throws InterruptedException when the agent stops
   */
  long run(PcapngWriter out, long count, BooleanSupplier live)
      throws IOException, InterruptedException {
    while (count == 0 || written < count) {
      Captured c = queue.poll(1, TimeUnit.SECONDS);
      if (c == null) {
        if (!live.getAsBoolean()) break;
        continue;
      }
      out.write(
          ByteBuffer.wrap(c.frame()),
          c.outbound() ? PcapngWriter.Direction.OUTBOUND : PcapngWriter.Direction.INBOUND,
          c.timeNanos());
      written++;
    }
    return written;
  }

  /** Frames dropped because the client read too slowly. */
  long dropped() {
    return dropped.sum();
  }
}
