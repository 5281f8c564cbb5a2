package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.unix.UnixSocket;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where a netnode finds the data socket a {@code vde://} client announced in its request
 * (vde-protocols.md §3.2 {@code sockaddr_un}, §3.4 step 5, §3.5 step 2), and the connection of the
 * node's data socket to it.
 *
 * <p>The announced path is the path as the client sees it. A client in another mount namespace (a
 * container given the rendezvous directory by the agent's device plugin at {@code /run/vde/…})
 * announces a path the node cannot reach, but the C client binds its data socket <em>inside the
 * switch directory</em> ({@code <dir>/.<pid>-<seq>}), so the socket exists in the node's own
 * directory under the same name; and the reply then names the node's data socket in the client's
 * view of the directory ({@link Resolved#replyPath}), since the client cannot reach the node's path
 * either. Resolution, in order:
 *
 * <ol>
 *   <li>the announced text must be an absolute, normalised path ({@code .}/{@code ..} components
 *       are refused as a traversal attempt), whose last component is not one of the node's own
 *       sockets ({@code ctl}, {@code fd<n>});
 *   <li>announced directly in the node's directory, or its last component exists there: the socket
 *       {@code <dir>/<name>} is used ("mapped" when the announced directory differs);
 *   <li>otherwise the announced path is used as is when the node accepts clients outside its
 *       directory (vdeplug4 behaviour, e.g. a client whose fallback socket is {@code
 *       /tmp/vde.PID-0} because it cannot write in the directory), else the client is refused.
 * </ol>
 *
 * <p>A socket inside the directory is opened with {@code O_PATH|O_NOFOLLOW} (which opens a symlink
 * itself, not its target) and must be a socket (not a symlink, FIFO or regular file); the
 * connection goes through {@code /proc/self/fd/N} of that handle, so a client that swaps the file
 * for a symlink after the check cannot redirect the node's frames to another socket of the host.
 */
final class ClientSocket {
  private static final Pattern OWN = Pattern.compile("ctl|fd[0-9]+");

  /** {@code O_PATH}, {@code O_NOFOLLOW}: generic Linux values; arm64 moves O_NOFOLLOW. */
  private static final int O_PATH = 010000000;

  private static final int O_NOFOLLOW =
      System.getProperty("os.arch", "").equals("aarch64") ? 0100000 : 0400000;

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private ClientSocket() {}

  /** Why a client's announced data socket is refused (logged and counted by the rendezvous). */
  static final class Refused extends IOException {
    Refused(String message) {
      super(message);
    }
  }

  /**
   * The client socket's path on this host and owner, as resolved from {@code announced}.
   *
   * @param path the socket the node connects to
   * @param mapped whether {@code path} is the announced name inside the node's directory while the
   *     client announced another directory
   * @param identity the socket file's owner (vde_switch's port access control, §3.5 step 2)
   * @param clientDirectory the node's directory as the client sees it: the directory of the
   *     announced path when mapped, else the node's own
   */
  record Resolved(Path path, boolean mapped, ClientIdentity identity, Path clientDirectory) {
    /**
     * The path of the node's data socket {@code nodeSocket} (a file of the node's directory) as the
     * client must connect to it, for the reply (§3.3): a client in another mount namespace cannot
     * reach the node's path, so a mapped client gets the same file name in its own view of the
     * directory.
     */
    String replyPath(Path nodeSocket) {
      return mapped
          ? clientDirectory.resolve(nodeSocket.getFileName()).toString()
          : nodeSocket.toString();
    }
  }

  /**
   * Resolves {@code announced} against the node directory {@code dir} and connects {@code data} to
   * the socket.
   *
   * @param allowOutside whether a socket outside {@code dir} may be used when the announced name is
   *     not in {@code dir}
   * @throws Refused when the announced path is hostile or not a socket the node may use
   * @throws IOException when connect(2) fails (e.g. ECONNREFUSED: no process bound there)
   */
  static Resolved connect(UnixSocket data, Path dir, String announced, boolean allowOutside)
      throws IOException {
    Path p = parse(announced);
    String name = p.getFileName().toString();
    if (OWN.matcher(name).matches()) {
      throw new Refused("data socket " + announced + " names one of the switch's own sockets");
    }
    Path inDir = dir.resolve(name);
    boolean announcedInDir = dir.equals(p.getParent()) || realDir(dir).equals(p.getParent());
    if (announcedInDir || Files.exists(inDir, LinkOption.NOFOLLOW_LINKS)) {
      ClientIdentity who = connectInDirectory(data, inDir);
      return new Resolved(inDir, !announcedInDir, who, announcedInDir ? dir : p.getParent());
    }
    if (!allowOutside) {
      throw new Refused(
          "data socket "
              + announced
              + " is outside the switch directory and "
              + inDir
              + " does not exist");
    }
    ClientIdentity who = owner(p, true);
    data.connect(p);
    return new Resolved(p, false, who, dir);
  }

  private static Path parse(String announced) throws Refused {
    if (announced.isEmpty() || announced.charAt(0) != '/') {
      throw new Refused("data socket path '" + printable(announced) + "' is not absolute");
    }
    Path p;
    try {
      p = Path.of(announced);
    } catch (java.nio.file.InvalidPathException e) {
      throw new Refused("data socket path '" + printable(announced) + "' is invalid");
    }
    if (p.getFileName() == null || !p.normalize().equals(p) || announced.endsWith("/")) {
      throw new Refused(
          "data socket path '" + printable(announced) + "' is not normalised (traversal)");
    }
    for (Path c : p) {
      if (c.toString().equals("..") || c.toString().equals(".")) {
        throw new Refused(
            "data socket path '" + printable(announced) + "' is not normalised (traversal)");
      }
    }
    return p;
  }

  private static Path realDir(Path dir) {
    try {
      return dir.toRealPath();
    } catch (IOException e) {
      return dir;
    }
  }

  private static ClientIdentity connectInDirectory(UnixSocket data, Path inDir) throws IOException {
    int fd = LibC.INSTANCE.open(inDir.toString(), O_PATH | O_NOFOLLOW | LibC.O_CLOEXEC);
    if (fd < 0) {
      int errno = LibC.errno();
      throw new Refused("data socket " + inDir + ": " + LibC.message(errno));
    }
    try {
      Path handle = Path.of("/proc/self/fd/" + fd);
      int mode = (Integer) Files.getAttribute(handle, "unix:mode");
      if ((mode & S_IFMT) != S_IFSOCK) throw new Refused(inDir + " is not a socket");
      ClientIdentity who = owner(handle, false);
      data.connect(handle);
      return who;
    } finally {
      LibC.INSTANCE.close(fd);
    }
  }

  /** The owner of the socket file (follows the {@code /proc/self/fd} handle when asked). */
  private static ClientIdentity owner(Path p, boolean noFollow) {
    try {
      LinkOption[] o = noFollow ? new LinkOption[] {LinkOption.NOFOLLOW_LINKS} : new LinkOption[0];
      int uid = (Integer) Files.getAttribute(p, "unix:uid", o);
      int gid = (Integer) Files.getAttribute(p, "unix:gid", o);
      return new ClientIdentity(uid, gid);
    } catch (IOException | RuntimeException e) {
      return ClientIdentity.NONE; // the connect that follows reports a missing socket
    }
  }

  private static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (char c : s.toCharArray()) b.append(c < 0x20 || c > 0x7e ? '?' : c);
    return b.length() > 120 ? b.substring(0, 120) + "…" : b.toString();
  }
}
