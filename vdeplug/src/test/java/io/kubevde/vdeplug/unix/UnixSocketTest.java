package io.kubevde.vdeplug.unix;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * AF_UNIX datagram sockets by path: buffers are honoured from their position, and errors come back
 * as -errno.
 */
class UnixSocketTest {
  private final Path tmp = Proc.tempDir("kvunix");

  @AfterEach
  void clean() {
    Sh.exec("rm", "-rf", tmp.toString());
  }

  @Test
  void datagramsUseTheBufferFromItsPositionAndReceiveAdvancesIt() throws Exception {
    try (UnixSocket a = UnixSocket.create(LibC.SOCK_DGRAM, false);
        UnixSocket b = UnixSocket.create(LibC.SOCK_DGRAM, false)) {
      a.bind(tmp.resolve("a"));
      b.bind(tmp.resolve("b"));
      a.connect(tmp.resolve("b"));
      ByteBuffer out = ByteBuffer.allocateDirect(16);
      for (int i = 0; i < 10; i++) out.put((byte) i);
      out.flip().position(3);
      assertThat(a.trySend(out)).isEqualTo(7);
      assertThat(out.position()).isEqualTo(3);
      ByteBuffer in = ByteBuffer.allocateDirect(32).position(5);
      assertThat(b.tryReceive(in)).isEqualTo(7);
      assertThat(in.position()).isEqualTo(12);
      for (int i = 0; i < 7; i++) assertThat(in.get(5 + i)).isEqualTo((byte) (3 + i));
      assertThat(b.tryReceive(in)).isEqualTo(-LibC.EAGAIN);
      byte[] addr = new SockaddrUn(tmp.resolve("a").toString()).toBytes();
      out.position(8);
      assertThat(b.trySendTo(out, addr)).isEqualTo(2);
      ByteBuffer in2 = ByteBuffer.allocateDirect(32);
      assertThat(a.tryReceive(in2)).isEqualTo(2);
      assertThat(in2.get(0)).isEqualTo((byte) 8);
    }
  }

  @Test
  void errorsNameTheCallAndPath() throws Exception {
    try (UnixSocket a = UnixSocket.create(LibC.SOCK_DGRAM, false)) {
      assertThat(a.tryConnect(tmp.resolve("missing"))).isEqualTo(-Errno.ENOENT);
      assertThat(
              org.assertj.core.api.Assertions.catchThrowable(
                  () -> a.connect(tmp.resolve("missing"))))
          .hasMessageContaining("connect")
          .hasMessageContaining("missing")
          .hasMessageContaining("No such file");
    }
  }

  @Test
  void sockaddrRejectsTooLongPathsAndDecodesLeniently() {
    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () -> new SockaddrUn("/" + "x".repeat(107))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(new SockaddrUn("/" + "x".repeat(106)).toBytes()).hasSize(110);
    assertThat(SockaddrUn.decode(ByteBuffer.allocate(10))).isEmpty();
  }
}
