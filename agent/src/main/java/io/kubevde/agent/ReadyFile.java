package io.kubevde.agent;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A file that exists exactly while the agent is ready ({@code --ready-file}): a daemon thread looks
 * at {@code ready} every {@code periodMs} and creates or deletes the file. For an exec readiness
 * probe ({@code test -e FILE}): with {@code hostNetwork} an HTTP probe of a new agent pod reaches
 * whichever agent holds the host port, which is the old one until the hand-over is done
 * (charts/kubevde/README.md "Upgrades"). The file lives in the container's own filesystem.
 */
final class ReadyFile implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ReadyFile.class);

  private final Path file;
  private final Thread thread;
  private volatile boolean closed;

  private ReadyFile(Path file, BooleanSupplier ready, long periodMs) {
    this.file = file;
    this.thread =
        Thread.ofPlatform()
            .daemon()
            .name("agent-ready-file")
            .unstarted(() -> loop(ready, periodMs));
  }

  /**
   * Starts watching; the first check runs at once.
   *
   * @param file the file (its parent directory must exist)
   * @param ready the readiness to mirror
   * @param periodMs how often it is checked, in milliseconds
   */
  static ReadyFile start(Path file, BooleanSupplier ready, long periodMs) {
    ReadyFile r = new ReadyFile(file, ready, periodMs);
    r.thread.start();
    return r;
  }

  private void loop(BooleanSupplier ready, long periodMs) {
    Boolean last = null;
    while (!closed) {
      boolean now;
      try {
        now = ready.getAsBoolean();
      } catch (RuntimeException e) {
        now = false;
      }
      if (last == null || now != last) {
        try {
          if (now) Files.writeString(file, "ready\n");
          else Files.deleteIfExists(file);
          last = now;
        } catch (IOException e) {
          LOG.warn("ready file " + file + ": " + e.getMessage());
        }
      }
      try {
        Thread.sleep(periodMs);
      } catch (InterruptedException e) {
        break;
      }
    }
  }

  /** Stops watching and deletes the file. */
  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(2000);
      Files.deleteIfExists(file);
    } catch (IOException | InterruptedException e) {
      LOG.debug("ready file " + file, e);
    }
  }
}
