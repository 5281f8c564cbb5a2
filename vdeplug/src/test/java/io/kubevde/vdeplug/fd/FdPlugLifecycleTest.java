package io.kubevde.vdeplug.fd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugClosedException;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FdPlugLifecycle} on a real socketpair (nothing is ever written to it): the ordering
 * guarantees the plugs rely on.
 */
@Timeout(value = 30, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class FdPlugLifecycleTest {
  private final int[] pipe = new int[2];

  @BeforeEach
  void openPipe() {
    assertThat(LibC.INSTANCE.socketpair(LibC.AF_UNIX, LibC.SOCK_STREAM, 0, pipe)).isZero();
  }

  @AfterEach
  void closePipe() {
    LibC.INSTANCE.close(pipe[0]);
    LibC.INSTANCE.close(pipe[1]);
  }

  @Test
  void closeWakesTheReceiverAndReleasesOnlyAfterItLeft() throws Exception {
    FdPlugLifecycle life = FdPlugLifecycle.withEventFd("test plug", Plug.MAX_FRAME);
    AtomicBoolean receiverInside = new AtomicBoolean();
    CountDownLatch blocked = new CountDownLatch(1);
    CompletableFuture<Integer> receiver =
        CompletableFuture.supplyAsync(
            () -> {
              if (!life.enterReceive()) return -2;
              receiverInside.set(true);
              try {
                blocked.countDown();
                return life.awaitReadable(pipe[0]);
              } catch (IOException e) {
                throw new RuntimeException(e);
              } finally {
                receiverInside.set(false); // before leaving: release must see false
                life.leaveReceive();
              }
            });
    assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
    Awaitility.await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !receiver.isDone());
    AtomicInteger releases = new AtomicInteger();
    AtomicBoolean insideAtRelease = new AtomicBoolean(true);
    life.close(
        () -> {
          insideAtRelease.set(receiverInside.get());
          releases.incrementAndGet();
        });
    assertThat(releases).as("close returns after the release ran").hasValue(1);
    assertThat(insideAtRelease).as("the release ran after the receiver had left").isFalse();
    assertThat(receiver.get(2, TimeUnit.SECONDS)).isEqualTo(FdPlugLifecycle.WOKEN);
    life.close(releases::incrementAndGet);
    assertThat(releases).as("release runs once").hasValue(1);
    assertThat(life.enterReceive()).as("receive after close").isFalse();
  }

  @Test
  void closeWaitsForASenderInside() throws Exception {
    FdPlugLifecycle life = FdPlugLifecycle.withEventFd("test plug", Plug.MAX_FRAME);
    life.enter();
    AtomicBoolean released = new AtomicBoolean();
    CompletableFuture<Void> closer =
        CompletableFuture.runAsync(
            () -> {
              try {
                life.close(() -> released.set(true));
              } catch (IOException e) {
                throw new RuntimeException(e);
              }
            });
    Awaitility.await().atMost(Duration.ofSeconds(2)).until(life::isClosed);
    Awaitility.await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !closer.isDone());
    assertThat(released).as("not released while a sender is inside").isFalse();
    life.leave();
    closer.get(2, TimeUnit.SECONDS);
    assertThat(released).isTrue();
  }

  @Test
  void sendChecksCloseAndSize() throws Exception {
    FdPlugLifecycle life = FdPlugLifecycle.withEventFd("test plug", 100);
    PlugStats stats = new PlugStats();
    ByteBuffer shortFrame = ByteBuffer.allocate(13);
    assertThat(life.enterSend(shortFrame, stats)).isFalse();
    assertThat(shortFrame.hasRemaining()).isFalse();
    assertThat(life.enterSend(ByteBuffer.allocate(101), stats)).isFalse();
    assertThat(stats.droppedCount()).isEqualTo(2);
    assertThat(life.enterSend(ByteBuffer.allocate(14), stats)).isTrue();
    life.leave();
    life.close(() -> {});
    assertThatThrownBy(() -> life.enterSend(ByteBuffer.allocate(60), stats))
        .isInstanceOf(PlugClosedException.class)
        .hasMessage("test plug closed");
    assertThatThrownBy(life::enter).isInstanceOf(PlugClosedException.class);
  }

  @Test
  void aSecondConcurrentReceiverIsRefused() throws Exception {
    FdPlugLifecycle life = FdPlugLifecycle.withEventFd("test plug", Plug.MAX_FRAME);
    assertThat(life.enterReceive()).isTrue();
    CompletableFuture<Boolean> other = CompletableFuture.supplyAsync(life::enterReceive);
    assertThat(other)
        .failsWithin(Duration.ofSeconds(2))
        .withThrowableThat()
        .withCauseInstanceOf(IllegalStateException.class);
    life.leaveReceive();
    life.close(() -> {});
  }

  @Test
  void closeFromInsideReceiveReleasesWhenTheReceiverLeaves() throws Exception {
    FdPlugLifecycle life = FdPlugLifecycle.withEventFd("test plug", Plug.MAX_FRAME);
    AtomicInteger releases = new AtomicInteger();
    assertThat(life.enterReceive()).isTrue();
    life.close(releases::incrementAndGet); // must not wait for itself
    assertThat(releases).hasValue(0);
    assertThat(life.awaitReadable(pipe[0])).isEqualTo(FdPlugLifecycle.WOKEN);
    life.leaveReceive();
    assertThat(releases).hasValue(1);
  }

  @Test
  void aReleaseFailureIsReportedOnce() throws Exception {
    FdPlugLifecycle life = FdPlugLifecycle.withEventFd("test plug", Plug.MAX_FRAME);
    assertThatThrownBy(
            () ->
                life.close(
                    () -> {
                      throw new IOException("unlink failed");
                    }))
        .hasMessage("unlink failed");
    life.close(() -> {});
  }

  @Test
  void shutdownReceiveWakesTheReceiverButKeepsTheFdsAndTheSends() throws Exception {
    FdPlugLifecycle life = FdPlugLifecycle.withEventFd("test plug", Plug.MAX_FRAME);
    AtomicInteger releases = new AtomicInteger();
    CountDownLatch blocked = new CountDownLatch(1);
    CompletableFuture<Integer> receiver =
        CompletableFuture.supplyAsync(
            () -> {
              assertThat(life.enterReceive()).isTrue();
              try {
                blocked.countDown();
                return life.awaitReadable(pipe[0]);
              } catch (IOException e) {
                throw new RuntimeException(e);
              } finally {
                life.leaveReceive();
              }
            });
    assertThat(blocked.await(5, TimeUnit.SECONDS)).isTrue();
    Awaitility.await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !receiver.isDone());
    life.shutdownReceive();
    assertThat(receiver.get(2, TimeUnit.SECONDS)).isEqualTo(FdPlugLifecycle.WOKEN);
    assertThat(life.isReceiveShut()).isTrue();
    assertThat(life.isClosed()).as("a half close, not a close").isFalse();
    assertThat(life.awaitReadable(pipe[0]))
        .as("later waits return at once")
        .isEqualTo(FdPlugLifecycle.WOKEN);
    ByteBuffer frame = ByteBuffer.allocateDirect(60);
    assertThat(life.enterSend(frame, new PlugStats())).as("sends go on").isTrue();
    assertThat(life.awaitWritable(pipe[0])).as("a writable fd is still reported").isTrue();
    life.leave();
    life.close(releases::incrementAndGet);
    assertThat(releases).as("the fds are released by close only").hasValue(1);
  }
}
