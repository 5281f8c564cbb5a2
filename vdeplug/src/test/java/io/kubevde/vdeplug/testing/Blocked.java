package io.kubevde.vdeplug.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;

/** A call (a receive, a read) started in another thread and asserted to block. */
public final class Blocked {
  private Blocked() {}

  /**
   * Starts {@code call} in another thread and asserts it has not returned after {@code ms}
   * (awaiting at most 2 s); returns it for the caller to end (close the plug, send a frame).
   *
   * @param what what blocks, for the assertion message ("receive", "read")
   */
  public static <T> CompletableFuture<T> start(String what, long ms, Callable<T> call) {
    CompletableFuture<T> r =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return call.call();
              } catch (Exception e) {
                throw new RuntimeException(e);
              }
            });
    Awaitility.await(what + " blocks while nothing arrives")
        .during(Duration.ofMillis(ms))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !r.isDone());
    return r;
  }
}
