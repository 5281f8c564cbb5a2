package io.kubevde.vdeplug.plugin.pcap;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.plugin.pcap.PcapngWriter.Direction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;

/**
 * {@code pcap://FILE} and {@code pcap://FILE{INNER-VNL}}: packet capture to a pcapng file ({@link
 * PcapngWriter}), readable by {@code tcpdump -r} and Wireshark.
 *
 * <ul>
 *   <li>Sink (no nested VNL): every frame sent to the plug is recorded as inbound and consumed;
 *       {@link #receive} blocks until {@link #close}, as {@code null://}. {@code vde_plug
 *       hub:///tmp/hub pcap:///tmp/hub.pcapng} records what a port of the hub sees.
 *   <li>Wrapper: frames pass through to and from the inner plug unchanged; frames sent are recorded
 *       as outbound, frames received as inbound. {@code vde_plug tap://vde0
 *       'pcap:///tmp/up.pcapng{vxvde://239.1.2.3}'} records one link in both directions.
 * </ul>
 *
 * A failing write (disk full) stops the capture, is logged once, and never stops the traffic of a
 * wrapper. Threading as {@link Plug}.
 */
public final class PcapPlug implements Plug {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PcapPlug.class);

  private final PcapngWriter writer;
  private final Optional<Plug> inner;
  private final Clock clock;
  private final PlugStats stats = new PlugStats();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean failed;

  /**
   * Takes ownership of {@code writer} and {@code inner} (closing this plug closes both).
   *
   * @param clock source of the capture timestamps
   */
  public PcapPlug(PcapngWriter writer, Optional<Plug> inner, Clock clock) {
    this.writer = writer;
    this.inner = inner;
    this.clock = clock;
  }

  /** Frames recorded in the file so far. */
  public long framesCaptured() {
    return writer.frames();
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    if (closed.getCount() == 0) throw new ClosedChannelException();
    int n = frame.remaining();
    if (n < MIN_FRAME) {
      frame.position(frame.limit());
      stats.dropped();
      return;
    }
    record(frame, inner.isPresent() ? Direction.OUTBOUND : Direction.INBOUND);
    if (inner.isPresent()) {
      inner.get().send(frame);
    } else {
      frame.position(frame.limit());
    }
    stats.sent(n);
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    if (inner.isEmpty()) {
      try {
        closed.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return CLOSED;
    }
    int start = frame.position();
    int r = inner.get().receive(frame);
    if (r > 0) {
      record(frame.duplicate().limit(start + r).position(start), Direction.INBOUND);
      stats.received(r);
    }
    return r;
  }

  private void record(ByteBuffer frame, Direction direction) {
    if (failed) return;
    Instant now = clock.instant();
    try {
      writer.write(frame, direction, now.getEpochSecond() * 1_000_000_000L + now.getNano());
    } catch (IOException e) {
      if (closed.getCount() == 0) return;
      failed = true;
      LOG.warn("pcap: capture stopped after {} frames: {}", writer.frames(), e.toString());
    }
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  @Override
  public void close() throws IOException {
    if (closed.getCount() == 0) return;
    closed.countDown();
    try (PcapngWriter w = writer) {
      if (inner.isPresent()) inner.get().close();
    }
  }

  @Override
  public String toString() {
    return "pcap[" + writer.frames() + " frames]" + inner.map(p -> "{" + p + "}").orElse("");
  }
}
