package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.plugin.vde.VdeRequest;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Garbage on the ctl socket never breaks the rendezvous: the parser never throws, the node answers
 * every bad request by closing the connection promptly (vdeplug4 hangs and busy-loops, §12.6), and
 * a real client still attaches after.
 */
class RendezvousGarbagePropertyTest {
  private static Path tmp;
  private static Netnode node;

  @BeforeContainer
  static void start() throws Exception {
    tmp = Proc.tempDir("kvgarbage");
    node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(tmp.resolve("sw")));
  }

  @AfterContainer
  static void stop() throws Exception {
    try (var p = Plugs.open("vde://" + tmp.resolve("sw"), OpenArgs.DEFAULT)) {
      assertThat(node.ports()).hasSize(1);
    }
    node.close();
    Sh.exec("rm", "-rf", tmp.toString());
  }

  @Provide
  Arbitrary<byte[]> requests() {
    byte[] valid = new VdeRequest(0, "/nonexistent/kv/.1-1", "descr").encode();
    Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(300);
    Arbitrary<byte[]> mutated =
        Arbitraries.integers()
            .between(0, valid.length - 1)
            .list()
            .ofMinSize(1)
            .ofMaxSize(8)
            .map(
                idx -> {
                  byte[] b = valid.clone();
                  for (int i : idx) b[i] ^= (byte) (i * 31 + 7);
                  return b;
                });
    Arbitrary<byte[]> truncated =
        Arbitraries.integers().between(0, valid.length).map(n -> java.util.Arrays.copyOf(valid, n));
    return Arbitraries.oneOf(random, mutated, truncated);
  }

  @Property(tries = 200)
  void parserNeverThrows(@ForAll("requests") byte[] bytes) {
    assertThat(VdeRequest.parse(ByteBuffer.wrap(bytes))).isNotNull();
  }

  @Property(tries = 40)
  void garbageConnectionsAreClosedPromptlyAndTheNodeKeepsServing(@ForAll("requests") byte[] bytes)
      throws Exception {
    try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        var ex = Executors.newSingleThreadExecutor()) {
      ch.connect(UnixDomainSocketAddress.of(tmp.resolve("sw/ctl")));
      if (bytes.length > 0) ch.write(ByteBuffer.wrap(bytes));
      ch.shutdownOutput();
      Future<Integer> eof =
          ex.submit(
              () -> {
                ByteBuffer b = ByteBuffer.allocate(512);
                try {
                  int n;
                  while ((n = ch.read(b)) >= 0) b.clear();
                  return n;
                } catch (java.net.SocketException reset) {
                  return -1; // closed with our unread bytes queued: the kernel reports a reset,
                  // still a prompt close
                }
              });
      // every input here is refused (short, wrong, or naming a client socket that does not exist)
      assertThat(eof.get(15, TimeUnit.SECONDS)).isEqualTo(-1);
    }
    assertThat(node.ports()).isEmpty();
  }
}
