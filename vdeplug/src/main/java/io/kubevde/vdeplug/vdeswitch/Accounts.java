package io.kubevde.vdeplug.vdeswitch;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

/**
 * User and group names to ids for the console's {@code port/setuser} and {@code port/setgroup}
 * (vde-protocols.md §9.3): a decimal id, or a name looked up in {@code /etc/passwd} / {@code
 * /etc/group} (the files NSS reads first; no LDAP), as {@code getpwnam}/{@code getgrnam} would find
 * a local account.
 */
final class Accounts {
  private Accounts() {}

  /** The uid of {@code user} (a number or a name), empty when unknown. */
  static OptionalInt uid(String user) {
    return lookup(user, Path.of("/etc/passwd"));
  }

  /** The gid of {@code group} (a number or a name), empty when unknown. */
  static OptionalInt gid(String group) {
    return lookup(group, Path.of("/etc/group"));
  }

  /** The name of {@code id} in {@code /etc/passwd}, or the number as text. */
  static String userName(int id) {
    return name(id, Path.of("/etc/passwd"));
  }

  /** The name of {@code id} in {@code /etc/group}, or the number as text. */
  static String groupName(int id) {
    return name(id, Path.of("/etc/group"));
  }

  /**
   * Whether user {@code uid} belongs to group {@code gid}: its primary group in {@code /etc/passwd}
   * or a member list in {@code /etc/group} (what {@code getgrouplist} finds for local accounts).
   */
  static boolean memberOf(int uid, int gid) {
    try {
      String user = null;
      for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
        String[] f = line.split(":", -1);
        if (f.length > 3 && f[2].equals(Integer.toString(uid))) {
          if (f[3].equals(Integer.toString(gid))) return true;
          user = f[0];
          break;
        }
      }
      if (user == null) return false;
      for (String line : Files.readAllLines(Path.of("/etc/group"))) {
        String[] f = line.split(":", -1);
        if (f.length > 3 && f[2].equals(Integer.toString(gid))) {
          for (String m : f[3].split(",")) if (m.strip().equals(user)) return true;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return false;
  }

  static OptionalInt lookup(String text, Path file) {
    if (text.matches("\\d{1,9}")) return OptionalInt.of(Integer.parseInt(text));
    try {
      for (String line : Files.readAllLines(file)) {
        String[] f = line.split(":", -1);
        if (f.length > 2 && f[0].equals(text) && f[2].matches("\\d{1,9}")) {
          return OptionalInt.of(Integer.parseInt(f[2]));
        }
      }
    } catch (IOException e) {
      return OptionalInt.empty();
    }
    return OptionalInt.empty();
  }

  private static String name(int id, Path file) {
    try {
      for (String line : Files.readAllLines(file)) {
        String[] f = line.split(":", -1);
        if (f.length > 2 && f[2].equals(Integer.toString(id))) return f[0];
      }
    } catch (IOException e) {
      // fall through to the number
    }
    return Integer.toString(id);
  }
}
