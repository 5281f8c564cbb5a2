package io.kubevde.vdeplug.plugin;

import io.kubevde.vdeplug.testing.Proc;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A C {@code vde_plug VNL} in stream mode (vde-protocols.md §2): the test writes frames to its
 * stdin and reads the frames it prints, each as a 2-byte big-endian length and the frame. {@link
 * #close} kills it by PID.
 */
public final class StreamPeer implements AutoCloseable {
  private final Process process;
  private final OutputStream stdin;
  private final LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();

  /** Starts {@code vde_plug vnl} in {@code netns}. */
  public StreamPeer(String netns, String vnl) {
    this.process = Proc.startPiped(netns, List.of("vde_plug", vnl));
    this.stdin = process.getOutputStream();
    Thread t =
        Thread.ofPlatform().daemon().name("stream-peer-" + process.pid()).start(this::readLoop);
    t.setUncaughtExceptionHandler((th, e) -> {});
  }

  private void readLoop() {
    try (DataInputStream in = new DataInputStream(process.getInputStream())) {
      while (true) {
        int len = in.readUnsignedShort();
        frames.add(in.readNBytes(len));
      }
    } catch (EOFException e) {
      // process ended
    } catch (IOException e) {
      // closed
    }
  }

  /** Sends one frame (written as length + bytes in one write). */
  public void send(byte[] frame) throws IOException {
    byte[] b = new byte[frame.length + 2];
    b[0] = (byte) (frame.length >>> 8);
    b[1] = (byte) frame.length;
    System.arraycopy(frame, 0, b, 2, frame.length);
    stdin.write(b);
    stdin.flush();
  }

  /**
   * The first received frame matching {@code p} within {@code timeoutMs}, or null (others are
   * discarded).
   */
  public byte[] await(Predicate<byte[]> p, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) return null;
      byte[] f = frames.poll(left, TimeUnit.MILLISECONDS);
      if (f != null && p.test(f)) return f;
    }
  }

  /** Every frame received so far and not yet consumed. */
  public List<byte[]> drain() {
    List<byte[]> out = new ArrayList<>();
    frames.drainTo(out);
    return out;
  }

  /** Whether the process runs. */
  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
