package io.kubevde.agent.dataplane;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.regex.Pattern;

/**
 * The seal key files of sealed networks on this node: {@code <run-dir>/keys/<secret>.key}, one per
 * key Secret of the operator ({@code vnet-key.<ns>.<name>}), in the format of vdeplug's {@code
 * seal://} ({@code ID KEY [current]} lines). The directory is 0700, each file 0400 (seal refuses a
 * key file readable by group or others). A change is written to a temporary file in the same
 * directory and renamed over the old one, so the seal plug, which checks the file's stamp (inode,
 * size, mtime) at most once per second, never reads half a file and picks up the new keys without
 * its uplink being reopened. Thread-safe (each write is one rename).
 */
public final class KeyFiles {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private final Path dir;

  /**
   * @param dir the directory of the key files ({@code <run-dir>/keys})
   */
  public KeyFiles(Path dir) {
    this.dir = dir;
  }

  /**
   * @param secret the key Secret's name (a DNS subdomain)
   * @return its key file's path (which may not exist yet)
   * @throws IllegalArgumentException when the name is not a DNS subdomain (no path may escape the
   *     directory)
   */
  public Path path(String secret) {
    if (secret == null || secret.length() > 253 || !NAME.matcher(secret).matches()) {
      throw new IllegalArgumentException("bad key Secret name " + secret);
    }
    return dir.resolve(secret + ".key");
  }

  /**
   * Atomically replaces the key file of {@code secret} with {@code content} (mode 0400).
   *
   * @param secret the key Secret's name
   * @param content the key file's bytes
   * @throws IOException when the directory or file cannot be written
   */
  public void write(String secret, byte[] content) throws IOException {
    Path target = path(secret);
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(
          dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    }
    Path tmp =
        Files.createTempFile(
            dir,
            "." + secret,
            ".tmp",
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try {
      Files.write(tmp, content);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("r--------"));
      try {
        Files.move(
            tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Removes the key file of {@code secret} (no-op when absent).
   *
   * @throws IOException when it cannot be deleted
   */
  public void delete(String secret) throws IOException {
    Files.deleteIfExists(path(secret));
  }
}
