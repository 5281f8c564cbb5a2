package io.kubevde.vdeplug.plugin.vde;

import io.kubevde.vdeplug.testing.Sh;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A C vde-2 {@code vde_switch -d -p PIDFILE -s DIR -M MGMT} in a unique temp directory, with a tiny
 * client of its management console (vde-protocols.md §9.3). {@link #close} kills it by the PID in
 * its pid file.
 */
final class CVdeSwitch implements AutoCloseable {
  private final Path base;
  private final Path dir;
  private final Path mgmt;
  private final Path pidFile;

  CVdeSwitch(Path base) throws Exception {
    this.base = base;
    this.dir = base.resolve("sw");
    this.mgmt = base.resolve("mgmt");
    this.pidFile = base.resolve("pid");
    Sh.run(
        "vde_switch", "-d", "-p", pidFile.toString(), "-s", dir.toString(), "-M", mgmt.toString());
    long deadline = System.currentTimeMillis() + 20_000;
    while (!(Files.exists(mgmt) && Files.exists(dir.resolve("ctl")) && Files.exists(pidFile))) {
      if (System.currentTimeMillis() > deadline)
        throw new AssertionError("vde_switch did not start");
      Thread.sleep(50);
    }
  }

  Path dir() {
    return dir;
  }

  /**
   * Runs one console command and returns its text (between the banner/prompt and the next prompt).
   */
  String command(String cmd) throws IOException {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      ch.connect(UnixDomainSocketAddress.of(mgmt));
      readUntilPrompt(ch);
      ch.write(ByteBuffer.wrap((cmd + "\n").getBytes(StandardCharsets.US_ASCII)));
      String out = readUntilPrompt(ch);
      if (!out.contains("1000 Success"))
        throw new AssertionError("vde_switch '" + cmd + "' failed: " + out);
      return out;
    }
  }

  private static String readUntilPrompt(SocketChannel ch) throws IOException {
    StringBuilder sb = new StringBuilder();
    ByteBuffer b = ByteBuffer.allocate(4096);
    while (!sb.toString().endsWith("vde$ ")) {
      b.clear();
      if (ch.read(b) < 0) break;
      sb.append(new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII));
    }
    return sb.toString();
  }

  @Override
  public void close() throws Exception {
    if (Files.exists(pidFile)) {
      String pid = Files.readString(pidFile).trim();
      Sh.exec("kill", pid);
      for (int i = 0; i < 100 && Sh.exec("kill", "-0", pid).exitCode() == 0; i++) Thread.sleep(50);
      Sh.exec("kill", "-9", pid);
    }
    Sh.exec("rm", "-rf", base.toString());
  }
}
