package io.kubevde.vdeplug.plugin.cmd;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import io.kubevde.vdeplug.stream.StreamPlug;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code cmd://COMMAND ARGS} (vde-protocols.md §8) and {@code vde_plug VNL = COMMAND ARGS} (§10.1):
 * runs the command as a co-process and speaks the §2 byte stream on its stdin/stdout (its stderr is
 * inherited). When the child exits (EOF on its stdout), {@link #receive} returns {@link #CLOSED}.
 * {@link #close} really ends the child (vdeplug4 never signals it, §12.11): it sends SIGTERM,
 * closes the child's stdin, and sends SIGKILL after {@value #TERM_GRACE_MS} ms. The signal comes
 * first because closing stdin waits for a sender blocked on a full pipe (the child not reading);
 * once the child is gone that sender fails (EPIPE) and the close completes. Unlike vdeplug4's cmd
 * reader, a body that arrives in pieces is reassembled (the shared {@link StreamPlug} decoder).
 */
public final class CmdPlug implements Plug {
  /** How long {@link #close} waits after SIGTERM before SIGKILL, in ms. */
  public static final long TERM_GRACE_MS = 2000;

  private final Process process;
  private final StreamPlug stream;

  private CmdPlug(Process process) {
    this.process = process;
    this.stream =
        StreamPlug.of(process.getInputStream(), process.getOutputStream(), this::terminate);
  }

  /**
   * Starts {@code argv} (no shell) and returns the plug.
   *
   * @throws IOException when the command cannot be started (not found, not executable)
   */
  public static CmdPlug start(List<String> argv) throws IOException {
    if (argv.isEmpty()) throw new IOException("cmd: empty command");
    Process p = new ProcessBuilder(argv).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    return new CmdPlug(p);
  }

  /** The child process. */
  public Process process() {
    return process;
  }

  private void terminate() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // the child is gone already
    }
    try {
      if (!process.waitFor(TERM_GRACE_MS, TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(TERM_GRACE_MS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    stream.send(frame);
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    return stream.receive(frame);
  }

  @Override
  public PlugStats stats() {
    return stream.stats();
  }

  @Override
  public void close() throws IOException {
    stream.close();
  }
}
