package io.kubevde.vdeplug.plugin.seal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The seal key file: one key per line, {@code ID KEY [current]}, where ID is 0..255 (decimal) and
 * KEY is 32 bytes as 64 hex digits or as base64 (standard or URL-safe alphabet, padding optional).
 * Blank lines and lines starting with {@code #} are ignored. The sender uses the key marked {@code
 * current}, or else the <b>last</b> key listed (the newest); the receiver accepts every key listed.
 * Example:
 *
 * <pre>
 * # kubevde network "blue"
 * 1 6b1f...(64 hex digits)
 * 2 q4C9...(base64)= current
 * </pre>
 *
 * <p>Like ssh with private keys, a key file that its group or others may read or write (mode &amp;
 * 077 ≠ 0) is refused unless the caller allows it.
 */
public final class KeyFile {
  private KeyFile() {}

  /**
   * What identifies one version of the file (modification time, size, inode): a changed stamp means
   * re-read. Follows symbolic links, so a Kubernetes Secret volume update (an atomic {@code ..data}
   * symlink swap) changes it.
   *
   * @param modified last modification time
   * @param size bytes
   * @param fileKey the file system's identity of the file (device and inode), may be null
   */
  public record Stamp(FileTime modified, long size, Object fileKey) {}

  /** The current stamp of {@code path}. @throws IOException when it cannot be stat'ed */
  public static Stamp stamp(Path path) throws IOException {
    BasicFileAttributes a = Files.readAttributes(path, BasicFileAttributes.class);
    return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
  }

  /**
   * Reads and parses the key file.
   *
   * @param path the file
   * @param anyPermission accept a file readable or writable by group/others
   * @param current a key id that overrides the file's choice of current key
   * @throws IOException with a message naming the file and the problem: unreadable,
   *     group/world-accessible, a bad line, no keys, an unknown current id
   */
  public static Keyring load(Path path, boolean anyPermission, OptionalInt current)
      throws IOException {
    if (!anyPermission) checkPrivate(path);
    String text;
    try {
      text = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException("seal: cannot read key file " + path + ": " + e, e);
    }
    try {
      return parse(text, current);
    } catch (IllegalArgumentException e) {
      throw new IOException("seal: key file " + path + ": " + e.getMessage(), e);
    }
  }

  /**
   * Refuses a key file its group or others can access, as ssh refuses such private keys.
   *
   * @throws IOException naming the file, its mode and the fix
   */
  public static void checkPrivate(Path path) throws IOException {
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(path);
    } catch (UnsupportedOperationException e) {
      return; // not a POSIX file system: nothing to check
    } catch (IOException e) {
      throw new IOException("seal: cannot read key file " + path + ": " + e, e);
    }
    Set<PosixFilePermission> open =
        Set.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);
    if (perms.stream().anyMatch(open::contains)) {
      throw new IOException(
          "seal: key file "
              + path
              + " is accessible by group or others (mode "
              + String.format("%04o", mode(perms))
              + "); it must be private: chmod 600 "
              + path
              + " (or add the seal option 'anyperm' to accept it)");
    }
  }

  /**
   * Parses key file text.
   *
   * @param current a key id overriding the file's current key
   * @throws IllegalArgumentException naming the bad line (1-based) and why; key bytes are never
   *     echoed
   */
  public static Keyring parse(String text, OptionalInt current) {
    List<SealKey> keys = new ArrayList<>();
    Integer marked = null;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) continue;
      String where = "line " + (i + 1);
      String[] f = line.split("\\s+");
      if (f.length < 2 || f.length > 3)
        throw new IllegalArgumentException(where + ": expected 'ID KEY [current]'");
      int id;
      try {
        id = Integer.parseInt(f[0]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            where + ": key id '" + f[0] + "' is not a number 0..255");
      }
      if (id < 0 || id > 255)
        throw new IllegalArgumentException(where + ": key id " + id + " is not in 0..255");
      byte[] raw = decodeKey(f[1], where);
      if (f.length == 3) {
        if (!f[2].equals("current"))
          throw new IllegalArgumentException(
              where + ": unknown word '" + f[2] + "' (only 'current' may follow the key)");
        if (marked != null)
          throw new IllegalArgumentException(where + ": a second key marked 'current'");
        marked = id;
      }
      for (SealKey k : keys) {
        if (k.id() == id)
          throw new IllegalArgumentException(where + ": key id " + id + " listed twice");
      }
      keys.add(SealKey.of(id, raw));
    }
    if (keys.isEmpty())
      throw new IllegalArgumentException("no keys (expected lines 'ID KEY [current]')");
    int cur =
        current.isPresent() ? current.getAsInt() : marked != null ? marked : keys.getLast().id();
    try {
      return new Keyring(keys, cur);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          e.getMessage()
              + " (listed ids: "
              + keys.stream().map(k -> String.valueOf(k.id())).toList()
              + ")");
    }
  }

  /** One line of a key file for {@code key} (hex), e.g. for tools that write key files. */
  public static String line(int id, byte[] raw, boolean current) {
    return id + " " + HexFormat.of().formatHex(raw) + (current ? " current" : "");
  }

  private static byte[] decodeKey(String s, String where) {
    if (s.length() == 64 && s.chars().allMatch(c -> Character.digit(c, 16) >= 0))
      return HexFormat.of().parseHex(s);
    byte[] raw;
    try {
      raw =
          s.indexOf('-') >= 0 || s.indexOf('_') >= 0
              ? Base64.getUrlDecoder().decode(s)
              : Base64.getDecoder().decode(s);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ": the key is neither 64 hex digits nor base64");
    }
    if (raw.length != SealKey.BYTES) {
      throw new IllegalArgumentException(
          where + ": the key is " + raw.length + " bytes, expected 32");
    }
    return raw;
  }

  private static int mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) m |= 1 << (8 - p.ordinal());
    return m;
  }
}
