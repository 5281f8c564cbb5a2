package io.kubevde.vdeplug.plugin.vde;

import io.kubevde.vdeplug.unix.SockaddrUn;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The server's answer to a {@link VdeRequest}: exactly one 110-byte {@code struct sockaddr_un}
 * naming the server's data socket for this port, e.g. {@code 01 00 "/tmp/sw/001.6" 00…}
 * (vde-protocols.md §3.3). Failures are signalled by closing the connection instead.
 *
 * @param dataSocket path of the server's data socket
 */
public record VdeReply(String dataSocket) {
  /** Size in bytes: 110. */
  public static final int SIZE = SockaddrUn.SIZE;

  public VdeReply {
    new SockaddrUn(dataSocket);
  }

  /** The 110 bytes, native byte order. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
    new SockaddrUn(dataSocket).encode(b);
    return b.array();
  }

  /**
   * Decodes 110 bytes at {@code in}'s position; empty when short or not an AF_UNIX address. Never
   * throws.
   */
  public static Optional<VdeReply> decode(ByteBuffer in) {
    return SockaddrUn.decode(in.slice().order(ByteOrder.nativeOrder()))
        .map(a -> new VdeReply(a.path()));
  }
}
