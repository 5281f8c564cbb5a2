package io.kubevde.vdeplug.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A C {@code vde_plug VNL} in stream mode (vde-protocols.md §2): the test writes frames to its
 * stdin and reads the frames it prints, each with a 2-byte big-endian length. Closing kills the
 * process by PID.
 */
public final class CStreamPlug implements AutoCloseable {
  private final Process process;
  private final OutputStream in;
  private final LinkedBlockingQueue<byte[]> frames = new LinkedBlockingQueue<>();

  /** Starts {@code vde_plug args...} in {@code netns} (null = host). */
  public CStreamPlug(String netns, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("vde_plug"));
    cmd.addAll(List.of(args));
    this.process = Proc.startPiped(netns, cmd);
    this.in = process.getOutputStream();
    Thread.ofPlatform().daemon().name("cstream-" + process.pid()).start(this::read);
  }

  private void read() {
    try (DataInputStream d = new DataInputStream(process.getInputStream())) {
      while (true) {
        int n = d.readUnsignedShort();
        byte[] f = new byte[n];
        d.readFully(f);
        frames.add(f);
      }
    } catch (IOException e) {
      // process ended
    }
  }

  /** Writes one frame (length header + frame in one write). */
  public synchronized void send(byte[] frame) throws IOException {
    byte[] b = new byte[frame.length + 2];
    b[0] = (byte) (frame.length >> 8);
    b[1] = (byte) frame.length;
    System.arraycopy(frame, 0, b, 2, frame.length);
    in.write(b);
    in.flush();
  }

  /** The next frame printed, or null after {@code ms}. */
  public byte[] poll(long ms) throws InterruptedException {
    return frames.poll(ms, TimeUnit.MILLISECONDS);
  }

  /** Whether the process runs. */
  public boolean alive() {
    return process.isAlive();
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS))
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
