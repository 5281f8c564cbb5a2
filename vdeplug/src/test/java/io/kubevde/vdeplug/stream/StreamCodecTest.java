package io.kubevde.vdeplug.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.PlugStats;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamCodecTest {

  static byte[] frame(int len, int seed) {
    byte[] f = new byte[len];
    for (int i = 0; i < len; i++) f[i] = (byte) (seed * 31 + i * 7);
    return f;
  }

  static byte[] encode(List<byte[]> frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    StreamEncoder enc = new StreamEncoder(new PlugStats(), false);
    for (byte[] f : frames) {
      ByteBuffer b = enc.encode(ByteBuffer.wrap(f));
      out.write(b.array(), 0, b.limit());
    }
    return out.toByteArray();
  }

  /**
   * Feeds {@code bytes} in chunks ending at the given cut positions and collects the decoded
   * frames.
   */
  static List<byte[]> decode(StreamDecoder d, byte[] bytes, int... cuts) {
    List<byte[]> frames = new ArrayList<>();
    ByteBuffer out = ByteBuffer.allocate(StreamDecoder.MAX_LENGTH);
    int from = 0;
    int[] ends = new int[cuts.length + 1];
    System.arraycopy(cuts, 0, ends, 0, cuts.length);
    ends[cuts.length] = bytes.length;
    for (int end : ends) {
      ByteBuffer in = ByteBuffer.wrap(bytes, from, end - from);
      int n;
      while ((n = d.next(in, out.clear())) != StreamDecoder.NEED_MORE) {
        byte[] f = new byte[n];
        out.flip().get(f);
        frames.add(f);
      }
      assertThat(in.hasRemaining()).isFalse();
      from = end;
    }
    return frames;
  }

  @Test
  void decodesTheCapturedCFrame() {
    byte[] body = frame(90, 1);
    body[0] = 0x33;
    byte[] bytes = new byte[92];
    bytes[0] = 0x00;
    bytes[1] = 0x5a;
    System.arraycopy(body, 0, bytes, 2, 90);
    List<byte[]> got = decode(new StreamDecoder(new PlugStats()), bytes);
    assertThat(got).hasSize(1);
    assertThat(got.get(0)).isEqualTo(body);
  }

  @Test
  void encoderWritesBigEndianLengthThenFrame() {
    ByteBuffer b =
        new StreamEncoder(new PlugStats(), false).encode(ByteBuffer.wrap(frame(0x17, 2)));
    assertThat(HexFormat.of().formatHex(b.array(), 0, 2)).isEqualTo("0017");
    assertThat(b.remaining()).isEqualTo(0x17 + 2);
  }

  @Test
  void headerSplitAfterFirstByteKeepsSync() {
    byte[] bytes = encode(List.of(frame(60, 1), frame(100, 2), frame(42, 3)));
    StreamDecoder d = new StreamDecoder(new PlugStats());
    // cut right after the first header byte of the second frame (62 + 1), and inside the third
    // header
    List<byte[]> got = decode(d, bytes, 63, 62 + 102 + 1);
    assertThat(got).extracting(f -> f.length).containsExactly(60, 100, 42);
    assertThat(got.get(1)).isEqualTo(frame(100, 2));
    assertThat(d.midFrame()).isFalse();
  }

  @Test
  void zeroLengthIsAKeepAlive() {
    byte[] f = encode(List.of(frame(20, 1)));
    byte[] bytes = new byte[4 + f.length];
    System.arraycopy(f, 0, bytes, 4, f.length);
    StreamDecoder d = new StreamDecoder(new PlugStats());
    assertThat(decode(d, bytes, 1, 3)).hasSize(1);
    assertThat(d.keepAlives()).isEqualTo(2);
  }

  @Test
  void oversizeLengthIsCountedAndTheNextFrameIsFound() {
    byte[] good = encode(List.of(frame(60, 5), frame(70, 6)));
    byte[] bytes = new byte[2 + good.length];
    bytes[0] = 0x30; // 0x3000 = 12288 > 9236
    bytes[1] = 0x00;
    System.arraycopy(good, 0, bytes, 2, good.length);
    PlugStats stats = new PlugStats();
    StreamDecoder d = new StreamDecoder(stats);
    List<byte[]> got = decode(d, bytes);
    assertThat(stats.malformedCount()).isEqualTo(1);
    assertThat(got).extracting(f -> f.length).containsExactly(60, 70);
    assertThat(got.get(0)).isEqualTo(frame(60, 5));
    assertThat(d.discardedBytes()).isEqualTo(2);
  }

  @Test
  void frameLargerThanTheOutputBufferIsDropped() {
    byte[] bytes = encode(List.of(frame(9236, 1), frame(60, 2)));
    PlugStats stats = new PlugStats();
    StreamDecoder d = new StreamDecoder(stats);
    ByteBuffer out = ByteBuffer.allocate(9234);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    assertThat(d.next(in, out)).isEqualTo(60);
    assertThat(stats.droppedCount()).isEqualTo(1);
  }

  @Test
  void encoderDropsOversizeFramesAndCountsThem() {
    PlugStats stats = new PlugStats();
    StreamEncoder enc = new StreamEncoder(stats, false);
    ByteBuffer big = ByteBuffer.allocate(9237);
    assertThat(enc.encode(big)).isNull();
    assertThat(big.hasRemaining()).isFalse();
    assertThat(stats.droppedCount()).isEqualTo(1);
    assertThat(enc.encode(ByteBuffer.allocate(9236))).isNotNull();
  }

  @Test
  void everySplitPositionOfAFrameSequenceDecodesIdentically() {
    List<byte[]> frames =
        List.of(frame(14, 1), frame(1514, 2), frame(60, 3), frame(9236, 4), frame(3, 5));
    byte[] bytes = encode(frames);
    for (int cut = 0; cut <= bytes.length; cut++) {
      List<byte[]> got = decode(new StreamDecoder(new PlugStats()), bytes, cut);
      assertThat(got).hasSize(frames.size());
      for (int i = 0; i < frames.size(); i++) assertThat(got.get(i)).isEqualTo(frames.get(i));
    }
  }
}
