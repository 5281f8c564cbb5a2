package io.kubevde.vdeplug.plugin.pcap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pcap://}: options, the pcapng block layout, and sink/wrapper behaviour (no root). */
class PcapPlugTest {
  @TempDir Path dir;

  /** One parsed Enhanced Packet Block. */
  record Epb(int captured, int original, int flags, byte[] data) {}

  /** Parses the file as pcapng (host byte order, as the writer writes), checking every length. */
  static List<Epb> read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
    List<Epb> out = new ArrayList<>();
    assertThat(b.getInt(0)).isEqualTo(PcapngWriter.SHB);
    assertThat(b.getInt(8)).isEqualTo(PcapngWriter.BYTE_ORDER_MAGIC);
    while (b.hasRemaining()) {
      int start = b.position();
      int type = b.getInt(start);
      int len = b.getInt(start + 4);
      assertThat(len % 4).isZero();
      assertThat(b.getInt(start + len - 4)).as("trailing block length").isEqualTo(len);
      if (type == PcapngWriter.IDB) {
        assertThat(b.getShort(start + 8)).isEqualTo((short) PcapngWriter.LINKTYPE_ETHERNET);
      }
      if (type == PcapngWriter.EPB) {
        int cap = b.getInt(start + 20);
        int orig = b.getInt(start + 24);
        byte[] data = new byte[cap];
        b.get(start + 28, data);
        int opt = start + 28 + ((cap + 3) & ~3);
        assertThat(b.getShort(opt)).as("epb_flags option code").isEqualTo((short) 2);
        out.add(new Epb(cap, orig, b.getInt(opt + 4), data));
      }
      b.position(start + len);
    }
    return out;
  }

  @Test
  void sinkRecordsEveryFrameSentAsInbound() throws Exception {
    Path file = dir.resolve("sink.pcapng");
    byte[] f1 = EthFrames.frame(EthFrames.BROADCAST, "52:54:00:00:00:01", 0x88b5, "hello");
    byte[] f2 = EthFrames.frame("52:54:00:00:00:01", "52:54:00:00:00:02", 0x88b5, "odd-size!");
    try (Plug p = Plugs.open("pcap://" + file, OpenArgs.DEFAULT)) {
      p.send(ByteBuffer.wrap(f1));
      p.send(ByteBuffer.wrap(f2));
      p.send(ByteBuffer.wrap(new byte[5])); // runt: dropped, not recorded
      assertThat(p.stats().txFrames()).isEqualTo(2);
      assertThat(p.stats().droppedCount()).isEqualTo(1);
    }
    List<Epb> epbs = read(file);
    assertThat(epbs).hasSize(2);
    assertThat(epbs.get(0).data()).isEqualTo(f1);
    assertThat(epbs.get(1).data()).isEqualTo(f2);
    assertThat(epbs).allMatch(e -> e.flags() == 1);
  }

  @Test
  void snaplenCutsFramesButKeepsTheOriginalLength() throws Exception {
    Path file = dir.resolve("snap.pcapng");
    byte[] big = EthFrames.frame(EthFrames.BROADCAST, "52:54:00:00:00:01", 0x88b5, "x".repeat(200));
    try (Plug p = Plugs.open("pcap://" + file + "[snaplen=64]", OpenArgs.DEFAULT)) {
      p.send(ByteBuffer.wrap(big));
    }
    Epb e = read(file).getFirst();
    assertThat(e.captured()).isEqualTo(64);
    assertThat(e.original()).isEqualTo(big.length);
  }

  @Test
  void wrapperPassesFramesThroughAndRecordsBothDirections() throws Exception {
    Path file = dir.resolve("wrap.pcapng");
    int port = 20000 + (int) (ProcessHandle.current().pid() % 20000);
    String a = "udp://127.0.0.1:" + port + "->127.0.0.1:" + (port + 1);
    String b = "udp://127.0.0.1:" + (port + 1) + "->127.0.0.1:" + port;
    byte[] out = EthFrames.frame("52:54:00:00:00:02", "52:54:00:00:00:01", 0x88b5, "ping");
    byte[] in = EthFrames.frame("52:54:00:00:00:01", "52:54:00:00:00:02", 0x88b5, "pong");
    try (Plug wrapped = Plugs.open("pcap://" + file + "{" + a + "}", OpenArgs.DEFAULT);
        Plug peer = Plugs.open(b, OpenArgs.DEFAULT)) {
      wrapped.send(ByteBuffer.wrap(out));
      ByteBuffer got = ByteBuffer.allocate(Plug.MAX_FRAME);
      assertThat(receiveFrame(peer, got)).isEqualTo(out.length);
      peer.send(ByteBuffer.wrap(in));
      got.clear();
      assertThat(receiveFrame(wrapped, got)).isEqualTo(in.length);
      assertThat(got.flip()).isEqualTo(ByteBuffer.wrap(in));
    }
    List<Epb> epbs = read(file);
    assertThat(epbs).extracting(Epb::flags).containsExactly(2, 1);
    assertThat(epbs.get(0).data()).isEqualTo(out);
    assertThat(epbs.get(1).data()).isEqualTo(in);
  }

  private static int receiveFrame(Plug p, ByteBuffer buf) throws IOException {
    for (int i = 0; i < 10; i++) {
      int r = p.receive(buf);
      if (r != Plug.NO_FRAME) return r;
    }
    return Plug.NO_FRAME;
  }

  @Test
  void badArgumentsNameTheBadPart() {
    assertThatThrownBy(() -> PcapOptions.parse("pcap://", ""))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("capture file");
    assertThatThrownBy(() -> PcapOptions.parse("pcap:///x[snaplen=3]", "/x[snaplen=3]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("snaplen");
    assertThatThrownBy(() -> PcapOptions.parse("pcap:///x{", "/x{"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("'}'");
    assertThatThrownBy(() -> PcapOptions.parse("pcap:///x[bogus]", "/x[bogus]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("bogus");
  }

  @Test
  void unwritableFileFailsAndClosesTheInnerPlug() {
    assertThatThrownBy(
            () ->
                Plugs.open(
                    "pcap://" + dir.resolve("no/such/dir/x") + "{null://}", OpenArgs.DEFAULT))
        .isInstanceOf(IOException.class);
  }
}
