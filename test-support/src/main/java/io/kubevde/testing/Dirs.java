package io.kubevde.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary directory trees of a test. */
public final class Dirs {
  private Dirs() {}

  /**
   * Deletes {@code dir} and everything below it (symbolic links themselves, never their targets).
   * Does nothing when {@code dir} is null or does not exist.
   *
   * @param dir the root of the tree
   * @throws UncheckedIOException if a file cannot be deleted
   */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator)
        Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
