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
    this(netns, withVdePlug(args));
  }

  /**
   * Starts {@code command} (a {@code vde_plug} in stream mode, maybe behind setpriv) in {@code
   * netns}.
   */
  public CStreamPlug(String netns, List<String> command) {
    this.process = Proc.startPiped(netns, command);
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

  private static List<String> withVdePlug(String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of("vde_plug"));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * {@code vde_plug args...} run as user {@code uid}/{@code gid} with no supplementary groups
   * (through util-linux {@code setpriv}).
   */
  public static List<String> asUser(int uid, int gid, String... args) {
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of("setpriv", "--reuid=" + uid, "--regid=" + gid, "--clear-groups"));
    cmd.addAll(withVdePlug(args));
    return cmd;
  }

  /** Waits up to {@code ms} for the process to end; true when it has ended. */
  public boolean awaitExit(long ms) throws InterruptedException {
    return process.waitFor(ms, TimeUnit.MILLISECONDS);
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
