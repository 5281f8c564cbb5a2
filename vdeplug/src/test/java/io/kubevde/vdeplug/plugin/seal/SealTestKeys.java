package io.kubevde.vdeplug.plugin.seal;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;

/**
 * Key material and key files for the seal tests (random keys, private files), plus free loopback
 * UDP ports.
 */
final class SealTestKeys {
  private static final SecureRandom RANDOM = new SecureRandom();

  private SealTestKeys() {}

  /** 32 random key bytes. */
  static byte[] randomKey() {
    byte[] k = new byte[SealKey.BYTES];
    RANDOM.nextBytes(k);
    return k;
  }

  /**
   * Writes {@code text} to {@code file} atomically (temp file + rename, as a Secret update does),
   * mode 0600.
   */
  static Path writePrivate(Path file, String text) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, text);
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    return file;
  }

  /**
   * Two distinct free UDP ports on loopback (bound then released; a tiny race with other tests is
   * accepted).
   */
  static int[] freeUdpPorts() throws IOException {
    try (DatagramSocket a = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        DatagramSocket b = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return new int[] {a.getLocalPort(), b.getLocalPort()};
    }
  }
}
