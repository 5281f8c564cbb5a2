package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.FrameQueue;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Ingress policing and storm control ({@link PortLimits}) on real netnodes, seen from Java {@code
 * vde://} clients on the rendezvous (unix sockets in a temp directory; no root needed): a flooding
 * port loses exactly its frames beyond the limit, each counted by reason, while the other ports'
 * traffic passes; a sustained storm is read at the limit's pace (the excess overflows the sender's
 * socket); a flood on one node does not stop another node in the same JVM.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class StormControlTest {
  private static final String X = "52:54:00:00:01:0a";
  private static final String Y = "52:54:00:00:01:0b";
  private final Path tmp = Proc.tempDir("kvstorm");

  @AfterEach
  void clean() {
    Sh.exec("rm", "-rf", tmp.toString());
  }

  private static FrameQueue join(Path dir, String name) throws Exception {
    return new FrameQueue(Plugs.open("vde://" + dir, OpenArgs.DEFAULT.withDescription(name)));
  }

  private static Netnode.PortInfo port(Netnode node, String description) {
    return node.ports().stream()
        .filter(
            p ->
                p.description().equals(description)
                    || p.description().startsWith(description + " "))
        .findFirst()
        .orElseThrow();
  }

  private static void awaitPorts(Netnode n, int count) {
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> n.ports().size() == count);
  }

  /**
   * Sends frames with random source MACs to {@code dst} (null: random unicast, unknown to the
   * switch) as fast as {@code plug} takes them until {@code stop}; returns a counter of frames
   * handed to the plug.
   */
  private static Thread flood(Plug plug, byte[] dst, AtomicBoolean stop, AtomicLong sent) {
    return Thread.ofPlatform()
        .daemon()
        .start(
            () -> {
              SplittableRandom rnd = new SplittableRandom(42);
              ByteBuffer f = ByteBuffer.allocateDirect(60);
              try {
                while (!stop.get()) {
                  f.clear();
                  long d = rnd.nextLong();
                  long s = rnd.nextLong();
                  if (dst == null)
                    f.putShort((short) ((d >>> 48) & 0xFCFF | 0x0200)).putInt((int) d);
                  else f.put(dst);
                  f.putShort((short) ((s >>> 48) & 0xFCFF | 0x0200)).putInt((int) s);
                  f.putShort((short) EthFrames.TEST_TYPE);
                  while (f.hasRemaining()) f.put((byte) '.');
                  f.flip();
                  plug.send(f);
                  sent.incrementAndGet();
                }
              } catch (Exception e) {
                // closed
              }
            });
  }

  @Test
  void floodedFramesBeyondTheStormLimitAreDroppedAndCountedWhileOtherPortsTrafficPasses()
      throws Exception {
    Path dir = tmp.resolve("sw");
    // 200 flooded frames/s per port, buckets of 100 ms = 20 frames
    PortLimits limits = new PortLimits(0, 0, 200, 100);
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir).withLimits(limits));
        FrameQueue flooder = join(dir, "flooder");
        FrameQueue x = join(dir, "x");
        FrameQueue y = join(dir, "y");
        FrameQueue watcher = join(dir, "watcher")) {
      awaitPorts(node, 4);
      x.send(EthFrames.frame(EthFrames.BROADCAST, X, EthFrames.TEST_TYPE, "hello-x"));
      y.send(EthFrames.frame(EthFrames.BROADCAST, Y, EthFrames.TEST_TYPE, "hello-y"));
      assertThat(watcher.pollMarked("hello-y", 5000)).isNotNull();

      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong sent = new AtomicLong();
      long t0 = System.nanoTime();
      Thread f = flood(flooder.plug(), null, stop, sent);
      // during the flood: x's known unicast to y, and x's own broadcasts, all arrive. Admitted
      // flood
      // sources can take y's slot in the direct-mapped MAC table, so some of x's frames to y are
      // unknown unicast for a moment and count against x's own flood limit: x stays below it.
      for (int i = 0; i < 300; i++) {
        x.send(EthFrames.frame(Y, X, EthFrames.TEST_TYPE, "u" + i));
        if (i % 60 == 0)
          x.send(EthFrames.frame(EthFrames.BROADCAST, X, EthFrames.TEST_TYPE, "b" + i));
        Thread.sleep(8);
      }
      for (int i = 0; i < 300; i++)
        assertThat(y.pollMarked("u" + i, 10_000)).as("unicast u%d from x to y", i).isNotNull();
      for (int i = 0; i < 300; i += 60)
        assertThat(watcher.pollMarked("b" + i, 10_000)).as("broadcast b%d of x", i).isNotNull();
      stop.set(true);
      f.join(5000);
      // the switch drains the flooder's socket; then every frame it read is accounted for
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () -> port(node, "flooder").stats().rxFrames() == flooder.plug().stats().txFrames());
      double seconds = (System.nanoTime() - t0) / 1e9;
      Netnode.PortInfo in = port(node, "flooder");
      // x gets the flooder's admitted frames and hello-y only (x's own frames never come back to
      // x, y sends nothing else); the watcher also gets x's frames to y whenever an admitted flood
      // source has taken y's slot in the direct-mapped MAC table (y is silent after hello-y)
      Netnode.PortInfo xs = port(node, "x");
      long dropped = in.policer().dropped(DropReason.STORM_UNKNOWN_UNICAST);
      long flooded = xs.stats().txFrames() + xs.stats().droppedCount() - 1;
      for (Netnode.PortInfo pi : node.ports())
        System.err.println(
            "DEBUG " + pi.description() + " " + pi.stats() + " " + pi.policer().dropsByReason());
      System.err.println(
          "DEBUG host "
              + node.hostStats()
              + " sent "
              + sent.get()
              + " client "
              + flooder.plug().stats());
      assertThat(sent.get()).as("the flooder got frames out").isGreaterThan(2000);
      assertThat(dropped + flooded)
          .as("every frame read: flooded or dropped")
          .isEqualTo(in.stats().rxFrames());
      assertThat(flooded)
          .as("at most the burst (20) plus 200/s over %.2f s", seconds)
          .isPositive()
          .isLessThanOrEqualTo(20 + (long) Math.ceil(200 * seconds) + 1);
      assertThat(in.stats().rxFrames())
          .as(
              "a sustained storm is read at the limit's pace (%d refusals, then a pause until the"
                  + " next token): the rest overflows the flooder's socket, not the switch's CPU",
              PortPolicer.PAUSE_AFTER_REFUSALS)
          .isLessThan(sent.get() / 10)
          .isLessThanOrEqualTo(
              (PortPolicer.PAUSE_AFTER_REFUSALS + 1) * (20 + (long) Math.ceil(200 * seconds) + 1)
                  + 2000);
      assertThat(in.policer().dropped(DropReason.POLICED_FRAMES)).isZero();
      assertThat(port(node, "x").policer().droppedTotal())
          .as("x never over its own limit")
          .isZero();
      assertThat(node.macTableSize())
          .as("refused frames are not learned: x, y and the admitted random sources only")
          .isLessThanOrEqualTo((int) (flooded + 2));
    }
  }

  @Test
  void framesOverThePortIngressRateAreDroppedAndCounted() throws Exception {
    Path dir = tmp.resolve("sw");
    // 500 frames/s per port, bucket 100 ms = 50 frames; storm control off
    PortLimits limits = new PortLimits(500, 0, 0, 100);
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir).withLimits(limits));
        FrameQueue sender = join(dir, "sender");
        FrameQueue y = join(dir, "y")) {
      awaitPorts(node, 2);
      y.send(EthFrames.frame(EthFrames.BROADCAST, Y, EthFrames.TEST_TYPE, "hello-y"));
      assertThat(sender.pollMarked("hello-y", 5000)).isNotNull();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong sent = new AtomicLong();
      long t0 = System.nanoTime();
      Thread f = flood(sender.plug(), EthFrames.mac(Y), stop, sent);
      Thread.sleep(1000);
      stop.set(true);
      f.join(5000);
      Netnode.PortInfo in = port(node, "sender");
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  in.stats().rxFrames() + in.policer().dropped(DropReason.POLICED_FRAMES)
                      == sender.plug().stats().txFrames());
      double seconds = (System.nanoTime() - t0) / 1e9;
      long admitted = in.stats().rxFrames();
      assertThat(admitted)
          .as("at most the burst (50) plus 500/s over %.2f s", seconds)
          .isPositive()
          .isLessThanOrEqualTo(50 + (long) Math.ceil(500 * seconds) + 1);
      assertThat(in.policer().dropped(DropReason.POLICED_FRAMES)).isPositive();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  port(node, "y").stats().txFrames() + port(node, "y").stats().droppedCount()
                      == admitted);
    }
  }

  @Test
  void aHubLimitsBroadcastsButNotUnicast() throws Exception {
    Path dir = tmp.resolve("hub");
    PortLimits limits = new PortLimits(0, 0, 100, 100); // 10-frame bucket
    try (Netnode node = Netnode.open(NetnodeKind.HUB, NetnodeConfig.at(dir).withLimits(limits));
        FrameQueue a = join(dir, "a");
        FrameQueue b = join(dir, "b")) {
      awaitPorts(node, 2);
      for (int i = 0; i < 200; i++) {
        a.send(EthFrames.frame(EthFrames.BROADCAST, X, EthFrames.TEST_TYPE, "b" + i));
        a.send(EthFrames.frame(Y, X, EthFrames.TEST_TYPE, "u" + i));
      }
      for (int i = 0; i < 200; i++)
        assertThat(b.pollMarked("u" + i, 10_000)).as("unicast u%d", i).isNotNull();
      Netnode.PortInfo in = port(node, "a");
      long dropped = in.policer().dropped(DropReason.STORM_BROADCAST);
      assertThat(dropped).isGreaterThanOrEqualTo(150);
      assertThat(in.policer().dropped(DropReason.STORM_UNKNOWN_UNICAST)).isZero();
      assertThat(port(node, "b").stats().txFrames()).isEqualTo(200 + 200 - dropped);
    }
  }

  /** {@code n} round trips x -> y -> x (each must arrive); sorted round-trip times in ns. */
  private static long[] roundTrips(FrameQueue x, FrameQueue y, String tag, int n) throws Exception {
    long[] rtt = new long[n];
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      x.send(EthFrames.frame(Y, X, EthFrames.TEST_TYPE, tag + "-ping" + i));
      assertThat(y.pollMarked(tag + "-ping" + i, 10_000)).as("%s ping %d", tag, i).isNotNull();
      y.send(EthFrames.frame(X, Y, EthFrames.TEST_TYPE, tag + "-pong" + i));
      assertThat(x.pollMarked(tag + "-pong" + i, 10_000)).as("%s pong %d", tag, i).isNotNull();
      rtt[i] = System.nanoTime() - t;
    }
    java.util.Arrays.sort(rtt);
    return rtt;
  }

  @Test
  void aFloodOnOneNetworkDoesNotStopAnotherInTheSameJvm() throws Exception {
    Path dirA = tmp.resolve("a");
    Path dirB = tmp.resolve("b");
    try (Netnode a = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dirA));
        Netnode b = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dirB));
        FrameQueue flooder1 = join(dirA, "flooder1");
        FrameQueue flooder2 = join(dirA, "flooder2");
        FrameQueue x = join(dirB, "x");
        FrameQueue y = join(dirB, "y")) {
      awaitPorts(a, 2);
      awaitPorts(b, 2);
      long[] quiet = roundTrips(x, y, "quiet", 200);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong sent = new AtomicLong();
      List<Thread> floods = new ArrayList<>();
      floods.add(flood(flooder1.plug(), null, stop, sent));
      floods.add(flood(flooder2.plug(), null, stop, sent));
      Thread.sleep(300);
      long[] during = roundTrips(x, y, "flood", 200);
      stop.set(true);
      for (Thread t : floods) t.join(5000);
      System.err.printf(
          "network B round trips quiet: p50 %.3f ms, p99 %.3f ms; during network A's flood: p50"
              + " %.3f ms, p99 %.3f ms; A read %d frames, storm-dropped %d%n",
          quiet[100] / 1e6,
          quiet[197] / 1e6,
          during[100] / 1e6,
          during[197] / 1e6,
          port(a, "flooder1").stats().rxFrames() + port(a, "flooder2").stats().rxFrames(),
          port(a, "flooder1").policer().droppedTotal()
              + port(a, "flooder2").policer().droppedTotal());
      assertThat(port(a, "flooder1").policer().dropped(DropReason.STORM_UNKNOWN_UNICAST))
          .as("the default storm limit (1000/s) acted on A")
          .isPositive();
      assertThat(port(b, "x").policer().droppedTotal()).isZero();
    }
  }
}
