package io.kubevde.vdeplug.plugin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugClosedException;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import io.kubevde.vdeplug.plugin.seqpacket.SeqpacketPlug;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import io.kubevde.vdeplug.plugin.tap.TapPlug;
import io.kubevde.vdeplug.plugin.udp.UdpPlug;
import io.kubevde.vdeplug.testing.InNetns;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The close contract of {@link Plug} over every plug, with real sockets, taps (in a network
 * namespace), processes and a Java switch: (a) close while a thread is blocked in receive: receive
 * returns {@link Plug#CLOSED} within 2 s; (b) close while a thread sends in a loop (for seqpacket
 * and cmd the peer never reads, so the sender ends up blocked on a full socket/pipe): the sender
 * ends with an IOException, a later send throws; (c) close twice and from two threads at once: no
 * error. The fd-based plugs built on {@link io.kubevde.vdeplug.fd.FdPlugLifecycle} throw {@link
 * PlugClosedException} on a send after close.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PlugLifecycleTest {
  /** How long a woken receiver or sender may take to return, and close to complete. */
  private static final long PROMPT_MS = 2000;

  /**
   * One plug under test plus what it needs (peer sockets, a switch, a namespace), released by
   * {@link #close}.
   */
  record Fixture(Plug plug, boolean usesLifecycle, List<AutoCloseable> resources)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      plug.close();
      for (AutoCloseable r : resources.reversed()) r.close();
    }
  }

  @FunctionalInterface
  interface Opener {
    Fixture open() throws Exception;
  }

  static Stream<Arguments> plugs() {
    return Stream.of(
        Arguments.of(
            "null",
            (Opener) () -> new Fixture(Plugs.open("null://", OpenArgs.DEFAULT), false, List.of())),
        Arguments.of("udp", (Opener) PlugLifecycleTest::udp),
        Arguments.of("vxlan", (Opener) PlugLifecycleTest::vxlan),
        Arguments.of("vxvde", (Opener) PlugLifecycleTest::vxvde),
        Arguments.of("tap", (Opener) PlugLifecycleTest::tap),
        Arguments.of("ptp", (Opener) () -> ptp("")),
        Arguments.of("ptp[seqpacket]", (Opener) () -> ptp("[seqpacket]")),
        Arguments.of("vde", (Opener) PlugLifecycleTest::vde),
        Arguments.of("seqpacket", (Opener) PlugLifecycleTest::seqpacket),
        Arguments.of(
            "cmd",
            (Opener)
                () -> new Fixture(Plugs.open("cmd://cat", OpenArgs.DEFAULT), false, List.of())),
        Arguments.of("switch (netnode host port)", (Opener) PlugLifecycleTest::netnode));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plugs")
  void closeWakesABlockedReceiverAndReturnsAfterIt(String name, Opener opener) throws Exception {
    try (Fixture f = opener.open()) {
      Plug p = f.plug();
      CountDownLatch entered = new CountDownLatch(1);
      CompletableFuture<Integer> result =
          CompletableFuture.supplyAsync(
              () -> {
                ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME + 2);
                entered.countDown();
                try {
                  int n;
                  do {
                    n = p.receive(buf.clear());
                  } while (n
                      >= 0); // a stray frame (IPv6 noise on a tap) or an event: receive again
                  return n;
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
      Awaitility.await()
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !result.isDone());
      long t0 = System.nanoTime();
      p.close();
      long closeMs = (System.nanoTime() - t0) / 1_000_000;
      // that close waits for the receiver to leave (before the fds are closed) is pinned down
      // deterministically
      // in FdPlugLifecycleTest; here: the receiver is woken and returns CLOSED promptly
      assertThat(result.get(PROMPT_MS, TimeUnit.MILLISECONDS)).isEqualTo(Plug.CLOSED);
      assertThat(closeMs)
          .as("close duration (ms)")
          .isLessThan(PROMPT_MS + CmdCloseAllowance.of(name));
      assertThat(p.receive(ByteBuffer.allocateDirect(Plug.MAX_FRAME)))
          .as("receive after close")
          .isEqualTo(Plug.CLOSED);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plugs")
  void closeWhileAnotherThreadSendsEndsTheSenderCleanly(String name, Opener opener)
      throws Exception {
    try (Fixture f = opener.open()) {
      Plug p = f.plug();
      AtomicLong sends = new AtomicLong();
      AtomicReference<Throwable> ended = new AtomicReference<>();
      Thread sender =
          Thread.ofPlatform()
              .name("sender-" + name)
              .start(
                  () -> {
                    ByteBuffer frame = ByteBuffer.allocateDirect(60);
                    try {
                      while (true) {
                        frame.clear();
                        frame.put(
                            0,
                            new byte[] {
                              -1, -1, -1, -1, -1, -1, 2, 0, 0, 0, 0, 1, (byte) 0x88, (byte) 0xb5
                            });
                        p.send(frame);
                        sends.incrementAndGet();
                      }
                    } catch (Throwable t) {
                      ended.set(t);
                    }
                  });
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> sends.get() >= 20);
      p.close();
      sender.join(PROMPT_MS);
      assertThat(sender.isAlive()).as("the sender ends once the plug is closed").isFalse();
      assertThat(ended.get())
          .as("the sender's loop ends with an IOException")
          .isInstanceOf(IOException.class);
      ByteBuffer late = ByteBuffer.allocateDirect(60);
      if (f.usesLifecycle()) {
        assertThatThrownBy(() -> p.send(late))
            .isInstanceOf(PlugClosedException.class)
            .hasMessageContaining("closed");
      } else {
        assertThatThrownBy(() -> p.send(late)).isInstanceOf(IOException.class);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("plugs")
  void closeTwiceAndFromTwoThreadsAtOnceIsHarmless(String name, Opener opener) throws Exception {
    try (Fixture f = opener.open()) {
      Plug p = f.plug();
      CountDownLatch go = new CountDownLatch(1);
      Callable<Void> closer =
          () -> {
            go.await();
            p.close();
            return null;
          };
      CompletableFuture<Void> a = CompletableFuture.supplyAsync(() -> call(closer));
      CompletableFuture<Void> b = CompletableFuture.supplyAsync(() -> call(closer));
      go.countDown();
      a.get(PROMPT_MS + CmdCloseAllowance.of(name), TimeUnit.MILLISECONDS);
      b.get(PROMPT_MS + CmdCloseAllowance.of(name), TimeUnit.MILLISECONDS);
      p.close();
      assertThat(p.receive(ByteBuffer.allocateDirect(Plug.MAX_FRAME))).isEqualTo(Plug.CLOSED);
    } catch (ExecutionException e) {
      throw new AssertionError("close failed", e.getCause());
    }
  }

  /**
   * cmd:// close waits for the child to exit after SIGTERM (up to 2 s, then SIGKILL); cat exits at
   * once.
   */
  private static final class CmdCloseAllowance {
    static long of(String name) {
      return name.equals("cmd") ? 1000 : 0;
    }
  }

  private static Void call(Callable<Void> c) {
    try {
      return c.call();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }

  // ---- fixtures ----

  private static Fixture udp() throws Exception {
    DatagramChannel sink = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
    UdpPlug p =
        new UdpPlug(
            new InetSocketAddress("127.0.0.1", 0), (InetSocketAddress) sink.getLocalAddress());
    return new Fixture(p, true, List.of(sink));
  }

  private static Fixture vxvde() throws Exception {
    int port = freeUdpPort();
    Plug p =
        Plugs.open(
            "vxvde:///port=" + port + "/bind=127.0.0.1/peers=127.0.0.1:" + freeUdpPort(),
            OpenArgs.DEFAULT);
    return new Fixture(p, true, List.of());
  }

  /**
   * vxlan needs a multicast route: its plug is opened inside a namespace of a {@link NetnsPair}.
   */
  private static Fixture vxlan() throws Exception {
    Requirements.assumeRoot();
    NetnsPair ns = NetnsPair.create();
    try {
      Plug p = inNetns(ns.a(), () -> Plugs.open("vxlan://239.1.2.9", OpenArgs.DEFAULT));
      return new Fixture(p, true, List.of(ns));
    } catch (Exception | Error e) {
      ns.close();
      throw e;
    }
  }

  private static Fixture tap() throws Exception {
    Requirements.assumeRoot();
    NetnsPair ns = NetnsPair.create();
    try {
      TapDevice d = inNetns(ns.a(), () -> TapDevice.open("kvlife0"));
      Sh.run("ip", "-n", ns.a(), "link", "set", "kvlife0", "up");
      return new Fixture(new TapPlug(d), true, List.of(ns));
    } catch (Exception | Error e) {
      ns.close();
      throw e;
    }
  }

  private static Fixture ptp(String options) throws Exception {
    Path dir = Files.createTempDirectory("kv-life-ptp");
    Plug p = Plugs.open("ptp://" + dir.resolve("p") + options, OpenArgs.DEFAULT);
    return new Fixture(p, true, List.of(() -> Sh.exec("rm", "-rf", dir.toString())));
  }

  private static Fixture vde() throws Exception {
    Path dir = Files.createTempDirectory("kv-life-vde").resolve("sw");
    Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
    Plug p = Plugs.open("vde://" + dir, OpenArgs.DEFAULT);
    return new Fixture(
        p, true, List.of(node, () -> Sh.exec("rm", "-rf", dir.getParent().toString())));
  }

  private static Fixture netnode() throws Exception {
    Path dir = Files.createTempDirectory("kv-life-sw").resolve("sw");
    Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
    return new Fixture(
        node, false, List.of(() -> Sh.exec("rm", "-rf", dir.getParent().toString())));
  }

  /**
   * One end of a SOCK_SEQPACKET socketpair; the other end never reads, so a sender ends up blocked
   * on a full peer.
   */
  private static Fixture seqpacket() throws Exception {
    int[] sv = new int[2];
    assertThat(LibC.INSTANCE.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET, 0, sv)).isZero();
    return new Fixture(new SeqpacketPlug(sv[0]), true, List.of(() -> LibC.INSTANCE.close(sv[1])));
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramChannel c = DatagramChannel.open()) {
      c.bind(new InetSocketAddress("127.0.0.1", 0));
      return ((InetSocketAddress) c.getLocalAddress()).getPort();
    }
  }

  /**
   * Runs {@code task} on a fresh thread inside network namespace {@code ns} (sockets and taps it
   * opens stay there).
   */
  private static <T> T inNetns(String ns, Callable<T> task) throws Exception {
    return InNetns.call(ns, task);
  }
}
