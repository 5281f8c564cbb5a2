package io.kubevde.vdeplug.unix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.ffi.LibC;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@link ScmRights}: fds cross a socketpair and still refer to the same open files. */
class ScmRightsTest {
  private static final LibC C = LibC.INSTANCE;

  @Test
  void passedPipeEndsCarryTheSameData() throws IOException {
    int[] sv = new int[2];
    assertThat(C.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv)).isZero();
    int[][] pipes = new int[3][2];
    for (int[] p : pipes) assertThat(C.pipe2(p, LibC.O_CLOEXEC)).isZero();
    int[] received = new int[0];
    try {
      ScmRights out = new ScmRights(64), in = new ScmRights(64);
      out.send(
          sv[0],
          "three".getBytes(StandardCharsets.UTF_8),
          new int[] {pipes[0][1], pipes[1][1], pipes[2][1]});
      ScmRights.Message m = in.receive(sv[1]);
      assertThat(new String(m.payload(), StandardCharsets.UTF_8)).isEqualTo("three");
      received = m.fds();
      assertThat(received).hasSize(3).doesNotContain(pipes[0][1], pipes[1][1], pipes[2][1]);
      // write through each received write end, read from the original read end
      for (int i = 0; i < 3; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(8);
        b.put(0, (byte) ('a' + i));
        assertThat(C.write(received[i], b, 1)).isEqualTo(1);
        ByteBuffer r = ByteBuffer.allocateDirect(8);
        assertThat(C.read(pipes[i][0], r, 8)).isEqualTo(1);
        assertThat(r.get(0)).isEqualTo((byte) ('a' + i));
      }
      // a message without fds, and one larger than the receiver's buffer is cut, not an error
      out.send(sv[0], new byte[] {1, 2}, new int[0]);
      assertThat(in.receive(sv[1]).fds()).isEmpty();
    } finally {
      for (int[] p : pipes) {
        C.close(p[0]);
        C.close(p[1]);
      }
      for (int fd : received) C.close(fd);
      C.close(sv[0]);
      C.close(sv[1]);
    }
  }

  @Test
  void aClosedPeerIsEndOfStreamAndTooManyFdsAreRefused() throws IOException {
    int[] sv = new int[2];
    assertThat(C.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv)).isZero();
    try {
      ScmRights io = new ScmRights(16);
      assertThatThrownBy(() -> io.send(sv[0], new byte[0], new int[ScmRights.MAX_FDS + 1]))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> io.send(sv[0], new byte[17], new int[0]))
          .isInstanceOf(IOException.class);
      C.close(sv[0]);
      assertThat(io.receive(sv[1])).isNull();
    } finally {
      C.close(sv[1]);
    }
  }
}
