package io.kubevde.vdeplug.testing;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A long-running process started by a test (a C {@code vde_plug}, a Java CLI, iperf3), optionally
 * inside a network namespace. Its stdin stays open (single-VNL {@code vde_plug} exits on stdin EOF,
 * vde-protocols.md §11) until {@link #close}; stdout and stderr go to a log file, deleted when the
 * test JVM exits. {@link #close} kills exactly this process and its descendants, by PID.
 */
public final class Proc implements AutoCloseable {
  private final Process process;
  private final Path log;
  private final String name;

  private Proc(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /** Starts {@code cmd} in the host namespace. */
  public static Proc start(String name, List<String> cmd) {
    return start(name, null, cmd);
  }

  /** Starts {@code cmd} inside netns {@code netns} (null = host) with {@code ip netns exec}. */
  public static Proc start(String name, String netns, List<String> cmd) {
    List<String> full = new ArrayList<>();
    if (netns != null) full.addAll(List.of("ip", "netns", "exec", netns));
    full.addAll(cmd);
    try {
      Path log =
          Files.createTempFile("kubevde-" + name.replaceAll("[^A-Za-z0-9_.-]", "_") + "-", ".log");
      log.toFile().deleteOnExit();
      Process p =
          new ProcessBuilder(full).redirectErrorStream(true).redirectOutput(log.toFile()).start();
      return new Proc(name, p, log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + String.join(" ", full), e);
    }
  }

  /** Starts {@code cmd} with stdout to a pipe the test reads (for stream-mode vde_plug). */
  public static Process startPiped(String netns, List<String> cmd) {
    List<String> full = new ArrayList<>();
    if (netns != null) full.addAll(List.of("ip", "netns", "exec", netns));
    full.addAll(cmd);
    try {
      return new ProcessBuilder(full).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + String.join(" ", full), e);
    }
  }

  /** The process. */
  public Process process() {
    return process;
  }

  /** The process's stdin (kept open until close). */
  public OutputStream stdin() {
    return process.getOutputStream();
  }

  /** Whether the process still runs. */
  public boolean alive() {
    return process.isAlive();
  }

  /** What the process printed so far (stdout and stderr). */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<no log: " + e.getMessage() + ">";
    }
  }

  /** Fails with the process output when it has exited. */
  public Proc assertAlive() {
    if (!process.isAlive()) {
      throw new AssertionError(name + " exited " + process.exitValue() + ": " + output());
    }
    return this;
  }

  /** Sends SIGKILL to the process and its descendants and waits for it. */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Sends SIGTERM to the process (and its descendants), waits up to 5 s, then kills. */
  @Override
  public void close() {
    List<ProcessHandle> kids = process.descendants().toList();
    kids.forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) kill();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      kill();
    }
    kids.forEach(ProcessHandle::destroyForcibly);
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + process.pid() + ")";
  }

  /** A file path for temporary sockets and directories, removed by the caller. */
  public static Path tempDir(String prefix) {
    try {
      return Files.createTempDirectory(new File("/tmp").toPath(), prefix);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
