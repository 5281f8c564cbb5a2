package io.kubevde.e2e.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A long-running process the harness started (etcd, kube-apiserver, the operator, an agent, a ping,
 * a vde_plug), optionally inside a network namespace. Stdout and stderr go to {@code <log
 * dir>/<name>.log}; stdin stays open until {@link #close} (single-VNL vde_plug exits on stdin EOF).
 * Only this process and its descendants are ever signalled, by PID.
 */
public final class Daemon implements AutoCloseable {
  private final String name;
  private final Process process;
  private final Path log;

  private Daemon(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * Starts {@code cmd} inside {@code netns} (null = host) with {@code env} added.
   *
   * @throws IllegalStateException when the command cannot be started
   */
  public static Daemon start(
      String name, Path logDir, String netns, Map<String, String> env, List<String> cmd) {
    List<String> full = new ArrayList<>();
    if (netns != null) full.addAll(List.of("ip", "netns", "exec", netns));
    full.addAll(cmd);
    Path log = logDir.resolve(name + ".log");
    try {
      ProcessBuilder pb =
          new ProcessBuilder(full)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      pb.environment().putAll(env);
      return new Daemon(name, pb.start(), log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot start " + name + ": " + String.join(" ", full), e);
    }
  }

  /** The name given at start. */
  public String name() {
    return name;
  }

  /** The PID ({@code ip netns exec} execs the command, so this is the command's PID). */
  public long pid() {
    return process.pid();
  }

  /** Whether it still runs. */
  public boolean alive() {
    return process.isAlive();
  }

  /** The underlying process. */
  public Process process() {
    return process;
  }

  /** The log file. */
  public Path log() {
    return log;
  }

  /** Everything it printed so far. */
  public String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<no log: " + e.getMessage() + ">";
    }
  }

  /** The last {@code n} characters it printed. */
  public String tail(int n) {
    String s = output();
    return s.length() <= n ? s : s.substring(s.length() - n);
  }

  /** Throws IllegalStateException with its log tail when it has exited. */
  public void assertAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException(name + " exited " + process.exitValue() + ":\n" + tail(4000));
    }
  }

  /** SIGKILL to the process (and descendants), then waits up to 10 s for it to be reaped. */
  public void kill9() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    waitFor(10);
  }

  /** Waits up to {@code seconds} for it to exit; returns whether it did. */
  public boolean waitFor(int seconds) {
    try {
      return process.waitFor(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** SIGTERM, 10 s grace, then SIGKILL; descendants too. Idempotent. */
  @Override
  public void close() {
    List<ProcessHandle> kids = process.descendants().toList();
    process.destroy();
    kids.forEach(ProcessHandle::destroy);
    if (!waitFor(10)) kill9();
    kids.forEach(ProcessHandle::destroyForcibly);
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // gone
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + process.pid() + ")";
  }
}
