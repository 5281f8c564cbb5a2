package io.kubevde.vdeplug.plugin.seal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.JavaCli;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two Java {@code vde_plug} processes joined by {@code seal://KEYFILE{udp://...}} on loopback: one
 * in stream mode (the test writes and reads its stdin/stdout, vde-protocols.md §2), the other a
 * cable from the seal plug to {@code cmd://cat}, so every frame goes sealed to the second process,
 * is echoed by cat, and comes back sealed.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SealCliTest {

  @TempDir Path dir;

  @Test
  void framesCrossTwoVdePlugProcessesThroughSealedUdpAndBack() throws Exception {
    byte[] key = SealTestKeys.randomKey();
    Path ka = SealTestKeys.writePrivate(dir.resolve("a.keys"), KeyFile.line(1, key, false) + "\n");
    Path kb = SealTestKeys.writePrivate(dir.resolve("b.keys"), KeyFile.line(1, key, false) + "\n");
    int[] p = SealTestKeys.freeUdpPorts();
    String vnlA = "seal://" + ka + "{udp://127.0.0.1:" + p[0] + "->127.0.0.1:" + p[1] + "}";
    String vnlB = "seal://" + kb + "{udp://127.0.0.1:" + p[1] + "->127.0.0.1:" + p[0] + "}";
    Process echo =
        new ProcessBuilder(JavaCli.vdePlug(vnlB, "cmd://cat"))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    Process stream =
        new ProcessBuilder(JavaCli.vdePlug(vnlA))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      LinkedBlockingQueue<byte[]> got = new LinkedBlockingQueue<>();
      Thread.ofPlatform()
          .daemon()
          .start(
              () -> {
                try (DataInputStream in = new DataInputStream(stream.getInputStream())) {
                  while (true) got.add(in.readNBytes(in.readUnsignedShort()));
                } catch (IOException e) {
                  // process ended
                }
              });
      OutputStream out = stream.getOutputStream();
      // the echo process may still be starting (its port unreachable): probe until the first echo
      byte[] echoed = null;
      for (int i = 0; i < 60 && echoed == null; i++) {
        write(
            out,
            EthFrames.frame(
                EthFrames.BROADCAST, "52:54:00:00:00:01", EthFrames.TEST_TYPE, "probe " + i));
        echoed = got.poll(500, TimeUnit.MILLISECONDS);
      }
      assertThat(echoed).as("an echo through both processes").isNotNull();
      Thread.sleep(600);
      got.clear();
      for (int i = 0; i < 20; i++) {
        byte[] f =
            EthFrames.frame(
                EthFrames.BROADCAST,
                "52:54:00:00:00:01",
                EthFrames.TEST_TYPE,
                "frame " + i + " " + "y".repeat(70 * i));
        write(out, f);
        byte[] back = got.poll(5000, TimeUnit.MILLISECONDS);
        assertThat(back).as("frame %d echoed", i).isEqualTo(f);
      }
    } finally {
      stream.destroy();
      echo.destroy();
      assertThat(stream.waitFor(10, TimeUnit.SECONDS)).isTrue();
      assertThat(echo.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void vdePlugRefusesAWorldReadableKeyFileWithExitCode1() throws Exception {
    Path k =
        SealTestKeys.writePrivate(
            dir.resolve("k"), KeyFile.line(1, SealTestKeys.randomKey(), false));
    Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rw-r--r--"));
    Path err = dir.resolve("err");
    Process p =
        new ProcessBuilder(JavaCli.vdePlug("seal://" + k + "{null://}", "null://"))
            .redirectError(err.toFile())
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    p.getOutputStream().close();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isEqualTo(1);
    assertThat(Files.readString(err, StandardCharsets.UTF_8))
        .contains("vde_open seal://")
        .contains("chmod 600");
  }

  private static void write(OutputStream out, byte[] frame) throws IOException {
    byte[] b = new byte[frame.length + 2];
    b[0] = (byte) (frame.length >>> 8);
    b[1] = (byte) frame.length;
    System.arraycopy(frame, 0, b, 2, frame.length);
    out.write(b);
    out.flush();
  }
}
