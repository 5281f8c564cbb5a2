package io.kubevde.agent.attach;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Whether a pod's network namespace still exists, telling "proven gone" from "could not check":
 * only ENOENT on the netns path, or a path whose inode is no longer the nsfs inode recorded at ADD
 * (the bind mount was removed and the path is a plain file, or the name was reused by another
 * namespace), proves it gone; any other failure (permission, I/O error) is {@link State#UNKNOWN}
 * and must not release the pod's address.
 */
public final class NetnsCheck {
  private NetnsCheck() {}

  /** The outcome of a check. */
  public enum State {
    /** the netns exists (and is the one recorded). */
    PRESENT,
    /** proven gone: ENOENT, empty path, or another inode. */
    GONE,
    /** could not check: keep the attachment and retry. */
    UNKNOWN
  }

  /**
   * @param path the netns path ({@code ""} counts as gone)
   * @param wantInode the inode recorded at ADD, or {@code null} when none was recorded
   * @return the state
   */
  public static State state(String path, String wantInode) {
    if (path == null || path.isEmpty()) return State.GONE;
    try {
      Object ino = Files.getAttribute(Path.of(path), "unix:ino");
      if (wantInode != null && !wantInode.equals(String.valueOf(ino))) return State.GONE;
      return State.PRESENT;
    } catch (NoSuchFileException e) {
      return State.GONE;
    } catch (IOException | RuntimeException e) {
      return State.UNKNOWN;
    }
  }

  /** The inode of the netns at {@code path} (text), or {@code null} when it cannot be read. */
  public static String inode(String path) {
    try {
      return String.valueOf(Files.getAttribute(Path.of(path), "unix:ino"));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }
}
