package io.kubevde.vdeplug.plugin.vxvde;

import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.MAC_A;
import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.frame;
import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.freePort;
import static io.kubevde.vdeplug.plugin.vxvde.VxvdeUnicastLoopbackTest.receiveFrame;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeConfig;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A switch netnode forwards batches (issue 14), in this JVM on the loopback address (no root): two
 * vxvde ports, {@code in} and {@code out}; 100 frames wait in {@code in}'s socket before its reader
 * starts ({@link Netnode#holdReaders}); the reader takes them in batches of 32 and the node hands
 * them to {@code out} with {@link Plug#sendLater}, flushed per batch, so {@code out} sends them
 * with a handful of {@code sendmmsg} calls instead of 100 {@code sendto}, complete and in order.
 */
@Timeout(60)
class NetnodeBatchTest {
  private static final long BROADCAST = 0xFFFF_FFFF_FFFFL;

  @TempDir Path tmp;

  private static String unicast(int port, int peer, String opt) {
    return "vxvde:///port=" + port + "/bind=127.0.0.1/peers=127.0.0.1:" + peer + opt;
  }

  @ParameterizedTest(name = "options ''{0}''")
  @ValueSource(strings = {"", "/offload"})
  void aQueuedBurstLeavesTheOtherPortInBatchesCompleteAndInOrder(String opt) throws Exception {
    int pIn = freePort();
    int pFeeder = freePort();
    int pOut = freePort();
    int pSink = freePort();
    try (Netnode sw = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(tmp.resolve("sw")));
        VxvdePlug feeder = (VxvdePlug) Plugs.open(unicast(pFeeder, pIn, ""), OpenArgs.DEFAULT);
        VxvdePlug sink = (VxvdePlug) Plugs.open(unicast(pSink, pOut, ""), OpenArgs.DEFAULT)) {
      VxvdePlug in = (VxvdePlug) Plugs.open(unicast(pIn, pFeeder, opt), OpenArgs.DEFAULT);
      VxvdePlug out = (VxvdePlug) Plugs.open(unicast(pOut, pSink, opt), OpenArgs.DEFAULT);
      sw.holdReaders();
      sw.addPort(in, "in");
      sw.addPort(out, "out");
      for (int i = 0; i < 100; i++) {
        ByteBuffer f = frame(BROADCAST, MAC_A, 100);
        f.putInt(14, i);
        feeder.sendLater(f);
      }
      feeder.flush();
      Thread.sleep(200); // the datagrams reach in's socket buffer (loopback: at once)
      long before = out.vxvdeStats().sendCalls();
      sw.releaseReaders();

      ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
      for (int i = 0; i < 100; i++) {
        assertThat(receiveFrame(sink, buf)).as("length of frame %d", i).isEqualTo(100);
        assertThat(buf.getInt(14)).as("sequence number of frame %d", i).isEqualTo(i);
      }
      long calls = out.vxvdeStats().sendCalls() - before;
      assertThat(calls).as("send system calls of the out port for 100 frames").isBetween(1L, 8L);
      assertThat(out.stats().txFrames()).isEqualTo(100);
      assertThat(out.stats().droppedCount()).isZero();
    }
  }
}
