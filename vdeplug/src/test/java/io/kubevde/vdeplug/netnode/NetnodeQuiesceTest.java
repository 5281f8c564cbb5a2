package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link Netnode#quiesce} and {@link Netnode#holdReaders}: the two halves of a loss-free hand-over
 * of a node's plugs to another process (agent/README.md "Hand-over").
 */
@Timeout(30)
class NetnodeQuiesceTest {
  static final long MAC_A = 0x5254_0000_000aL;
  static final long MAC_B = 0x5254_0000_000bL;

  /**
   * An in-memory plug: {@link #receive} takes frames from {@code in} (what "the kernel" queued),
   * {@link #send} puts them on {@code out}, optionally waiting for {@code sendGate} first.
   */
  static final class QueuePlug implements Plug {
    final LinkedBlockingQueue<byte[]> in = new LinkedBlockingQueue<>();
    final LinkedBlockingQueue<byte[]> out = new LinkedBlockingQueue<>();
    final PlugStats stats = new PlugStats();
    volatile CountDownLatch sendGate = new CountDownLatch(0);
    volatile boolean shut;
    volatile boolean closed;

    @Override
    public void send(ByteBuffer frame) throws IOException {
      if (closed) throw new IOException("closed");
      try {
        sendGate.await();
      } catch (InterruptedException e) {
        throw new IOException(e);
      }
      byte[] b = new byte[frame.remaining()];
      frame.get(b);
      out.add(b);
    }

    @Override
    public int receive(ByteBuffer frame) throws IOException {
      try {
        while (!shut && !closed) {
          byte[] b = in.poll(20, TimeUnit.MILLISECONDS);
          if (b != null) {
            frame.put(b);
            return b.length;
          }
        }
        return CLOSED;
      } catch (InterruptedException e) {
        return CLOSED;
      }
    }

    @Override
    public boolean shutdownReceive() {
      shut = true;
      return true;
    }

    @Override
    public PlugStats stats() {
      return stats;
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  static byte[] frame(long dst, long src) {
    ByteBuffer f = ByteBuffer.allocate(60);
    for (int i = 5; i >= 0; i--) f.put((byte) (dst >>> (8 * i)));
    for (int i = 5; i >= 0; i--) f.put((byte) (src >>> (8 * i)));
    return f.array();
  }

  @Test
  void quiesceWaitsUntilTheFrameAReaderHoldsIsDeliveredAndClosesNothing() throws Exception {
    try (Netnode node = Netnode.open(NetnodeKind.HUB, NetnodeConfig.inProcess())) {
      QueuePlug a = new QueuePlug();
      QueuePlug b = new QueuePlug();
      node.addPort(a, "a");
      node.addPort(b, "b");
      b.sendGate = new CountDownLatch(1); // the delivery to b is in progress while we quiesce
      a.in.add(frame(MAC_B, MAC_A));
      Awaitility.await("a's reader took the frame").until(a.in::isEmpty);
      CompletableFuture<Boolean> quiesced =
          CompletableFuture.supplyAsync(() -> node.quiesce(5_000));
      Awaitility.await("quiesce waits for the reader holding a frame")
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !quiesced.isDone());
      b.sendGate.countDown();
      assertThat(quiesced.get(5, TimeUnit.SECONDS)).isTrue();
      assertThat(b.out.poll(1, TimeUnit.SECONDS)).as("the held frame reached b").isNotNull();
      assertThat(a.closed || b.closed).as("quiesce closes no plug").isFalse();
      a.in.add(frame(MAC_B, MAC_A));
      Thread.sleep(200);
      assertThat(a.in).as("nothing read after quiesce: left for the next holder").hasSize(1);
      assertThat(node.ports()).as("the ports stay until close").hasSize(2);
    }
  }

  @Test
  void heldReadersReadNothingUntilReleasedThenEveryPortIsThere() throws Exception {
    try (Netnode node = Netnode.open(NetnodeKind.HUB, NetnodeConfig.inProcess())) {
      node.holdReaders();
      QueuePlug a = new QueuePlug();
      a.in.add(frame(MAC_B, MAC_A)); // queued before the node was rebuilt
      node.addPort(a, "a");
      Thread.sleep(200);
      assertThat(a.in).as("held: not read while b is missing").hasSize(1);
      QueuePlug b = new QueuePlug();
      node.addPort(b, "b");
      node.releaseReaders();
      assertThat(b.out.poll(5, TimeUnit.SECONDS)).as("delivered once b is a port").isNotNull();
      QueuePlug c = new QueuePlug();
      c.in.add(frame(MAC_A, MAC_B));
      node.addPort(c, "c");
      assertThat(a.out.poll(5, TimeUnit.SECONDS)).as("ports added after release read").isNotNull();
    }
  }
}
