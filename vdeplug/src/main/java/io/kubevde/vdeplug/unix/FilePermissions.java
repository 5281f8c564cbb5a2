package io.kubevde.vdeplug.unix;

import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;

/**
 * chmod/chgrp of sockets and directories by path, including set-gid bits (which the JDK's POSIX
 * permission API cannot set): used for the vde:// rendezvous permissions (vde-protocols.md §3.4
 * step 6, §6.1).
 */
public final class FilePermissions {
  private FilePermissions() {}

  /**
   * chmod(2) {@code path} to {@code mode} (octal bits up to 07777). @throws IOException with
   * strerror
   */
  public static void chmod(Path path, int mode) throws IOException {
    if (LibC.INSTANCE.chmod(path.toString(), mode) < 0)
      throw UnixSocket.error("chmod", path, LibC.errno());
  }

  /**
   * Changes the group of {@code path} to {@code group}: a number (gid) or a group name.
   *
   * @throws IOException when the group does not exist or the change is not permitted
   */
  public static void chgrp(Path path, String group) throws IOException {
    if (!group.isEmpty() && group.chars().allMatch(Character::isDigit)) {
      if (LibC.INSTANCE.chown(path.toString(), -1, Integer.parseInt(group)) < 0) {
        throw UnixSocket.error("chown :" + group, path, LibC.errno());
      }
      return;
    }
    GroupPrincipal g =
        path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
    Files.setAttribute(path, "posix:group", g);
  }
}
