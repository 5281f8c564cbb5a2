package io.kubevde.images;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private containerd (Debian's 1.6, CRI plugin off) with its own root, state and socket in a temp
 * dir, started and stopped by PID; {@link #ctr} runs the {@code ctr} client against it in the
 * {@code k8s.io} namespace (the one kubelet uses). Close stops the daemon and deletes the dir.
 */
final class Containerd implements AutoCloseable {
  private final Path dir;
  private final Process daemon;

  Containerd() throws IOException, InterruptedException {
    dir = Files.createTempDirectory("kubevde-containerd-");
    Files.writeString(
        dir.resolve("config.toml"),
        """
        version = 2
        root = "%1$s/root"
        state = "%1$s/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "%1$s/containerd.sock"
        [ttrpc]
          address = "%1$s/containerd.sock.ttrpc"
        """
            .formatted(dir));
    daemon =
        new ProcessBuilder("containerd", "--config", dir.resolve("config.toml").toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("containerd.log").toFile())
            .start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        ctr(List.of("version"));
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline || !daemon.isAlive()) {
          close();
          throw new IOException(
              "containerd did not start: " + Files.readString(dir.resolve("containerd.log")), e);
        }
        Thread.sleep(200);
      }
    }
  }

  /**
   * @return dir for bind-mount sources
   */
  Path dir() {
    return dir;
  }

  /**
   * @param args ctr arguments after the global options
   * @return stdout+stderr
   * @throws IOException on a non-zero exit
   */
  String ctr(List<String> args) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of("ctr", "-a", dir.resolve("containerd.sock").toString(), "-n", "k8s.io"));
    cmd.addAll(args);
    return ImageArchive.run(cmd);
  }

  /**
   * Like {@link #ctr} but returns the output of a failing command too, prefixed by its exit status.
   */
  String ctrAllowingFailure(List<String> args) throws IOException, InterruptedException {
    try {
      return "rc=0\n" + ctr(args);
    } catch (IOException e) {
      return "rc!=0\n" + e.getMessage();
    }
  }

  @Override
  public void close() throws IOException, InterruptedException {
    daemon.destroy();
    if (!daemon.waitFor(30, TimeUnit.SECONDS)) {
      daemon.destroyForcibly();
      daemon.waitFor(10, TimeUnit.SECONDS);
    }
    ImageArchive.run(List.of("rm", "-rf", dir.toString()));
  }
}
