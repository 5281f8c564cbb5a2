package io.kubevde.vdeplug.plugin.vde;

import io.kubevde.vdeplug.unix.SockaddrUn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The version-3 connection request a {@code vde://} client writes on the switch's ctl stream, in
 * one write (vde-protocols.md §3.2). Layout, host byte order, packed:
 *
 * <pre>
 * 0   4   magic 0xFEEDFACE
 * 4   4   version 3
 * 8   4   type: low 8 bits 0 = REQ_NEW_CONTROL, 1 = REQ_NEW_PORT0; bits 8..31 requested port (0 = any)
 * 12  110 sockaddr_un of the client's bound data socket
 * 122 n   description, no NUL, n &lt;= 127
 * </pre>
 *
 * @param type the raw type word ({@link #newControl(int)} or {@link #NEW_PORT0})
 * @param dataSocket the client's data socket path
 * @param description the description shown in {@code port/print} (at most 127 bytes once encoded)
 */
public record VdeRequest(int type, String dataSocket, String description) {
  /** 0xFEEDFACE. */
  public static final int MAGIC = 0xFEEDFACE;

  /** Protocol version 3. */
  public static final int VERSION = 3;

  /** Low byte of {@link #type}: a data port. */
  public static final int REQ_NEW_CONTROL = 0;

  /** Type word of a management port-0 request ({@code vde://DIR[0]}). */
  public static final int NEW_PORT0 = 1;

  /** Bytes before the description. */
  public static final int HEADER = 12 + SockaddrUn.SIZE;

  /** Longest description in bytes. */
  public static final int MAX_DESCRIPTION = 127;

  /** Largest request a server reads (one read of at most 256 bytes, §3.2). */
  public static final int MAX_SIZE = 256;

  public VdeRequest {
    new SockaddrUn(dataSocket);
    description = description == null ? "" : description;
  }

  /** The type word for a data port request: {@code port << 8} (0 = any port). */
  public static int newControl(int port) {
    return port << 8;
  }

  /** The requested port number (bits 8..31 of the type). */
  public int port() {
    return type >>> 8;
  }

  /** The request kind (low 8 bits of the type). */
  public int kind() {
    return type & 0xff;
  }

  /**
   * The encoded request: {@link #HEADER} + description bytes (truncated to 127), native byte order.
   */
  public byte[] encode() {
    byte[] d = description.getBytes(StandardCharsets.UTF_8);
    int n = Math.min(d.length, MAX_DESCRIPTION);
    ByteBuffer b = ByteBuffer.allocate(HEADER + n).order(ByteOrder.nativeOrder());
    b.putInt(MAGIC).putInt(VERSION).putInt(type);
    new SockaddrUn(dataSocket).encode(b);
    b.put(d, 0, n);
    return b.array();
  }

  /**
   * The outcome of parsing bytes read from a ctl connection: a request, or why the bytes are not
   * one.
   */
  public sealed interface Parsed permits Valid, Invalid {}

  /** A well-formed version-3 request. */
  public record Valid(VdeRequest request) implements Parsed {}

  /** Garbage, with the reason to log. */
  public record Invalid(String reason) implements Parsed {}

  /**
   * Parses the bytes between {@code in}'s position and limit (native byte order is applied). Never
   * throws: anything malformed (short, wrong magic, version other than 3, bad sockaddr family or
   * path) is {@link Invalid}. The description is the rest of the bytes up to the first NUL, decoded
   * leniently as UTF-8 and truncated to 127 bytes.
   */
  public static Parsed parse(ByteBuffer in) {
    ByteBuffer b = in.slice().order(ByteOrder.nativeOrder());
    if (b.remaining() < HEADER)
      return new Invalid("short request: " + b.remaining() + " bytes, need " + HEADER);
    int magic = b.getInt(0);
    if (magic != MAGIC) return new Invalid(String.format("bad magic 0x%08x", magic));
    int version = b.getInt(4);
    if (version != VERSION)
      return new Invalid("unsupported protocol version " + version + " (only 3)");
    int type = b.getInt(8);
    b.position(12);
    Optional<SockaddrUn> addr = SockaddrUn.decode(b);
    if (addr.isEmpty()) return new Invalid("bad sockaddr_un (family not AF_UNIX or empty path)");
    int n = Math.min(b.remaining(), MAX_DESCRIPTION);
    int len = 0;
    while (len < n && b.get(HEADER + len) != 0) len++;
    byte[] d = new byte[len];
    b.get(HEADER, d);
    return new Valid(
        new VdeRequest(type, addr.get().path(), new String(d, StandardCharsets.UTF_8)));
  }
}
