package io.kubevde.vdeplug.unix;

/**
 * errno values (Linux x86-64) the AF_UNIX socket code tests for, beyond those in {@link
 * io.kubevde.vdeplug.ffi.LibC}. Kept here rather than in the shared binding so parallel additions
 * there cannot collide.
 */
public final class Errno {
  private Errno() {}

  /** No such file or directory. */
  public static final int ENOENT = 2;

  /** Broken pipe. */
  public static final int EPIPE = 32;

  /** Destination address required. */
  public static final int EDESTADDRREQ = 89;

  /** Address already in use. */
  public static final int EADDRINUSE = 98;

  /** No buffer space available. */
  public static final int ENOBUFS = 105;

  /** Transport endpoint is already connected. */
  public static final int EISCONN = 106;

  /** Transport endpoint is not connected. */
  public static final int ENOTCONN = 107;

  /** Connection refused. */
  public static final int ECONNREFUSED = 111;
}
