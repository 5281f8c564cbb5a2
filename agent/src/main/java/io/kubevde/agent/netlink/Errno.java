package io.kubevde.agent.netlink;

import java.util.Map;

/**
 * Symbolic names of the Linux errno values an rtnetlink request can answer
 * (asm-generic/errno-base.h and errno.h, x86-64 and arm64 alike).
 */
public final class Errno {
  private Errno() {}

  /** No such file or directory. */
  public static final int ENOENT = 2;

  /** No such device. */
  public static final int ENODEV = 19;

  /** Not a data message (a malformed answer). */
  public static final int EBADMSG = 74;

  /** Resource temporarily unavailable (also a receive timeout). */
  public static final int EAGAIN = 11;

  private static final Map<Integer, String> NAMES =
      Map.ofEntries(
          Map.entry(1, "EPERM"),
          Map.entry(2, "ENOENT"),
          Map.entry(3, "ESRCH"),
          Map.entry(4, "EINTR"),
          Map.entry(5, "EIO"),
          Map.entry(6, "ENXIO"),
          Map.entry(7, "E2BIG"),
          Map.entry(9, "EBADF"),
          Map.entry(11, "EAGAIN"),
          Map.entry(12, "ENOMEM"),
          Map.entry(13, "EACCES"),
          Map.entry(14, "EFAULT"),
          Map.entry(16, "EBUSY"),
          Map.entry(17, "EEXIST"),
          Map.entry(19, "ENODEV"),
          Map.entry(22, "EINVAL"),
          Map.entry(23, "ENFILE"),
          Map.entry(24, "EMFILE"),
          Map.entry(28, "ENOSPC"),
          Map.entry(34, "ERANGE"),
          Map.entry(36, "ENAMETOOLONG"),
          Map.entry(61, "ENODATA"),
          Map.entry(74, "EBADMSG"),
          Map.entry(90, "EMSGSIZE"),
          Map.entry(92, "ENOPROTOOPT"),
          Map.entry(93, "EPROTONOSUPPORT"),
          Map.entry(95, "EOPNOTSUPP"),
          Map.entry(97, "EAFNOSUPPORT"),
          Map.entry(98, "EADDRINUSE"),
          Map.entry(99, "EADDRNOTAVAIL"),
          Map.entry(100, "ENETDOWN"),
          Map.entry(101, "ENETUNREACH"),
          Map.entry(105, "ENOBUFS"),
          Map.entry(110, "ETIMEDOUT"),
          Map.entry(113, "EHOSTUNREACH"));

  /** The symbolic name of {@code errno} ({@code "EEXIST"}), or {@code "errno N"} when unknown. */
  public static String name(int errno) {
    String n = NAMES.get(errno);
    return n != null ? n : "errno " + errno;
  }
}
