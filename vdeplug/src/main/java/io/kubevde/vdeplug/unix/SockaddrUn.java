package io.kubevde.vdeplug.unix;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A Linux {@code struct sockaddr_un}: 110 bytes, {@code sun_family} (u16, host byte order, 1 =
 * AF_UNIX) then {@code sun_path[108]} NUL padded (vde-protocols.md §3.2 bytes 12..121, §3.3). Paths
 * are at most 107 bytes so the kernel always sees a terminating NUL.
 *
 * @param path the socket path (absolute for vde:// rendezvous); never longer than {@link #MAX_PATH}
 *     bytes
 */
public record SockaddrUn(String path) {
  /** Size of the structure in bytes. */
  public static final int SIZE = 110;

  /** Longest usable path in bytes (107: {@code sun_path} is 108 bytes with a NUL). */
  public static final int MAX_PATH = 107;

  /** AF_UNIX. */
  public static final short AF_UNIX = 1;

  /**
   * @throws IllegalArgumentException when the path is empty or longer than {@link #MAX_PATH} bytes
   */
  public SockaddrUn {
    if (path == null || path.isEmpty())
      throw new IllegalArgumentException("empty unix socket path");
    int len = path.getBytes(StandardCharsets.UTF_8).length;
    if (len > MAX_PATH) {
      throw new IllegalArgumentException(
          "unix socket path longer than " + MAX_PATH + " bytes (" + len + "): " + path);
    }
  }

  /** The 110 bytes in native byte order, as {@code bind}/{@code connect} take them. */
  public byte[] toBytes() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
    encode(b);
    return b.array();
  }

  /** Writes the 110 bytes at {@code out}'s position (its byte order is used for the family). */
  public void encode(ByteBuffer out) {
    int start = out.position();
    out.putShort(AF_UNIX);
    byte[] p = path.getBytes(StandardCharsets.UTF_8);
    out.put(p);
    for (int i = 2 + p.length; i < SIZE; i++) out.put((byte) 0);
    assert out.position() == start + SIZE;
  }

  /**
   * Reads 110 bytes at {@code in}'s position (in its byte order). Returns empty (and leaves the
   * position after the 110 bytes when they were there) if fewer than 110 bytes remain, the family
   * is not AF_UNIX, or the path is empty; never throws on garbage.
   */
  public static Optional<SockaddrUn> decode(ByteBuffer in) {
    if (in.remaining() < SIZE) return Optional.empty();
    int start = in.position();
    short family = in.getShort(start);
    in.position(start + SIZE);
    if (family != AF_UNIX) return Optional.empty();
    int len = 0;
    while (len < SIZE - 2 && in.get(start + 2 + len) != 0) len++;
    if (len == 0 || len > MAX_PATH) return Optional.empty();
    byte[] p = new byte[len];
    in.get(start + 2, p);
    return Optional.of(new SockaddrUn(new String(p, StandardCharsets.UTF_8)));
  }
}
