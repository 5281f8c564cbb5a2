package io.kubevde.vdeplug.testing;

import io.kubevde.vdeplug.ffi.LibC;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a task on a fresh thread that has entered network namespace {@code /var/run/netns/NAME}
 * (setns).
 */
public final class InNetns {
  private InNetns() {}

  /**
   * @param netns name under /var/run/netns
   * @param task what to run there (sockets and taps it opens stay in that namespace)
   * @return the task's result
   * @throws Exception what the task threw, or IllegalStateException when setns fails
   */
  public static <T> T call(String netns, Callable<T> task) throws Exception {
    AtomicReference<T> result = new AtomicReference<>();
    AtomicReference<Exception> error = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .name("in-" + netns)
            .start(
                () -> {
                  int fd = LibC.INSTANCE.open("/var/run/netns/" + netns, 0);
                  try {
                    if (fd < 0 || LibC.INSTANCE.setns(fd, LibC.CLONE_NEWNET) < 0) {
                      throw new IllegalStateException(
                          "setns " + netns + ": " + LibC.message(LibC.errno()));
                    }
                    result.set(task.call());
                  } catch (Exception e) {
                    error.set(e);
                  } finally {
                    if (fd >= 0) LibC.INSTANCE.close(fd);
                  }
                });
    t.join();
    if (error.get() != null) throw error.get();
    return result.get();
  }
}
