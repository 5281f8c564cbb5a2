package io.kubevde.agent.dataplane;

import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs code inside another network namespace: a dedicated platform thread opens the namespace file
 * ({@code /var/run/netns/NAME} or {@code /proc/PID/ns/net}), calls {@code setns(fd, CLONE_NEWNET)}
 * (setns(2)) and runs the task; the thread then ends, so no pooled thread is left in a foreign
 * namespace. File descriptors opened there (a tap's {@code /dev/net/tun} fd) keep working from any
 * thread afterwards.
 */
public final class Netns {
  private static final LibC C = LibC.INSTANCE;
  private static final int O_RDONLY = 0;

  private Netns() {}

  /**
   * Runs {@code task} inside the namespace at {@code path}.
   *
   * @param path the namespace file
   * @return what the task returned
   * @throws IOException when the namespace cannot be entered (missing file, EPERM) or the task
   *     threw one
   */
  public static <T> T call(String path, Callable<T> task) throws IOException {
    AtomicReference<T> out = new AtomicReference<>();
    AtomicReference<Throwable> err = new AtomicReference<>();
    Thread t =
        Thread.ofPlatform()
            .name("netns-" + path)
            .unstarted(
                () -> {
                  try {
                    int fd = C.open(path, O_RDONLY | LibC.O_CLOEXEC);
                    if (fd < 0) throw new IOException("open " + path + ": errno " + LibC.errno());
                    try {
                      if (C.setns(fd, LibC.CLONE_NEWNET) < 0)
                        throw new IOException("setns " + path + ": errno " + LibC.errno());
                    } finally {
                      C.close(fd);
                    }
                    out.set(task.call());
                  } catch (Throwable e) {
                    err.set(e);
                  }
                });
    t.start();
    try {
      t.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while in " + path, e);
    }
    Throwable e = err.get();
    if (e instanceof IOException io) throw io;
    if (e instanceof RuntimeException re) throw re;
    if (e instanceof Error er) throw er;
    if (e != null) throw new IOException(e);
    return out.get();
  }
}
