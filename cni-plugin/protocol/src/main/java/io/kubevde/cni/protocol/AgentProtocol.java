package io.kubevde.cni.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;

/**
 * The agent⇄CNI socket protocol: a unix stream socket ({@link #DEFAULT_SOCKET}); per connection the
 * client writes one {@link CniRequest} JSON object and shuts down its output, the agent answers
 * with one JSON object and closes. The answer is either a CNI result (ADD; {@code {}} for DEL,
 * CHECK, STATUS, GC) or a CNI error object (recognised by its {@code code} key, {@link
 * CniError#fromJson}); the binary prints it as it is.
 */
public final class AgentProtocol {
  private AgentProtocol() {}

  /**
   * The agent socket path when the environment ({@link #SOCKET_ENV}) does not override it (a
   * network config never does).
   */
  public static final String DEFAULT_SOCKET = "/run/kubevde/cni.sock";

  /**
   * Environment variable that overrides the socket path for the binary (tests, non-default
   * installs); the only override.
   */
  public static final String SOCKET_ENV = "KUBEVDE_AGENT_SOCKET";

  /** Largest message either side accepts (bytes); a bigger one is a decode failure. */
  public static final int MAX_MESSAGE_BYTES = 4 << 20;

  /**
   * Reads from {@code ch} until end of stream and decodes UTF-8.
   *
   * @throws IOException on a read error or when more than {@link #MAX_MESSAGE_BYTES} arrive
   */
  public static String readAll(SocketChannel ch) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate(16 << 10);
    while (true) {
      if (!buf.hasRemaining()) {
        if (buf.capacity() >= MAX_MESSAGE_BYTES)
          throw new IOException("message larger than " + MAX_MESSAGE_BYTES + " bytes");
        ByteBuffer bigger = ByteBuffer.allocate(Math.min(buf.capacity() * 4, MAX_MESSAGE_BYTES));
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
      if (ch.read(buf) < 0) break;
    }
    return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8);
  }

  /** Writes all of {@code text} (UTF-8) to {@code ch}. */
  public static void writeAll(SocketChannel ch, String text) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) ch.write(b);
  }
}
