package io.kubevde.vdeplug.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.PlugStats;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Property tests of the §2 stream codec: any chunking decodes like the whole, garbage never throws.
 */
class StreamCodecPropertiesTest {

  @Provide
  Arbitrary<List<byte[]>> frameLists() {
    Arbitrary<Integer> len =
        Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(1, 128)),
            net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(14, 1518)),
            net.jqwik.api.Tuple.of(
                1, Arbitraries.integers().between(1519, StreamDecoder.MAX_LENGTH)));
    Arbitrary<byte[]> frame = len.flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
    return frame.list().ofMinSize(0).ofMaxSize(12);
  }

  @Property(tries = 800)
  void randomChunkingDecodesTheConcatenation(
      @ForAll("frameLists") List<byte[]> frames,
      @ForAll @Size(max = 20) List<@IntRange(min = 0, max = 20000) Integer> rawCuts) {
    byte[] bytes = StreamCodecTest.encode(frames);
    int[] cuts = rawCuts.stream().mapToInt(c -> Math.min(c, bytes.length)).sorted().toArray();
    PlugStats stats = new PlugStats();
    StreamDecoder d = new StreamDecoder(stats);
    List<byte[]> got = StreamCodecTest.decode(d, bytes, cuts);
    assertThat(got).hasSameSizeAs(frames);
    for (int i = 0; i < frames.size(); i++) assertThat(got.get(i)).isEqualTo(frames.get(i));
    assertThat(stats.malformedCount()).isZero();
    assertThat(d.midFrame()).isFalse();
  }

  @Property(tries = 300)
  void splitAtEveryPositionOfTwoFrames(@ForAll("frameLists") List<byte[]> frames) {
    List<byte[]> two = frames.size() > 2 ? frames.subList(0, 2) : frames;
    byte[] bytes = StreamCodecTest.encode(two);
    if (bytes.length > 4000) return; // keep the quadratic loop bounded
    for (int cut = 0; cut <= bytes.length; cut++) {
      List<byte[]> got = StreamCodecTest.decode(new StreamDecoder(new PlugStats()), bytes, cut);
      assertThat(got).hasSameSizeAs(two);
      for (int i = 0; i < two.size(); i++) assertThat(got.get(i)).isEqualTo(two.get(i));
    }
  }

  @Property(tries = 1000)
  void garbageNeverThrowsAndNeverYieldsMoreBytesThanGiven(
      @ForAll @Size(max = 30000) byte[] garbage,
      @ForAll @IntRange(min = 1, max = 70000) int chunk) {
    StreamDecoder d = new StreamDecoder(new PlugStats());
    ByteBuffer out = ByteBuffer.allocate(StreamDecoder.MAX_LENGTH);
    long delivered = 0;
    for (int from = 0; from < garbage.length; from += chunk) {
      ByteBuffer in = ByteBuffer.wrap(garbage, from, Math.min(chunk, garbage.length - from));
      int n;
      while ((n = d.next(in, out.clear())) != StreamDecoder.NEED_MORE) {
        assertThat(n).isBetween(1, StreamDecoder.MAX_LENGTH);
        delivered += n + 2;
      }
    }
    assertThat(delivered).isLessThanOrEqualTo(garbage.length);
  }

  @Property(tries = 500)
  void anOversizeHeaderIsCountedMalformedAndSyncIsRegained(
      @ForAll @IntRange(min = 0x25, max = 0xff) int badHigh,
      @ForAll("frameLists") List<byte[]> after) {
    // Frames of 14..3583 bytes have a header high byte below 14, so the one-byte slide after the
    // bad header
    // (bad low byte 0x00, then the real high byte) never sees a trusted length before the real
    // header.
    List<byte[]> frames = new ArrayList<>();
    for (byte[] f : after) if (f.length >= 14 && f.length < 14 * 256) frames.add(f);
    byte[] good = StreamCodecTest.encode(frames);
    byte[] bytes = new byte[2 + good.length];
    bytes[0] = (byte) badHigh; // length badHigh * 256 > 9236
    System.arraycopy(good, 0, bytes, 2, good.length);
    PlugStats stats = new PlugStats();
    StreamDecoder d = new StreamDecoder(stats);
    List<byte[]> got = StreamCodecTest.decode(d, bytes, bytes.length / 2);
    assertThat(stats.malformedCount()).isEqualTo(1);
    assertThat(got).hasSameSizeAs(frames);
    for (int i = 0; i < frames.size(); i++) assertThat(got.get(i)).isEqualTo(frames.get(i));
  }

  @Property(tries = 500)
  void anyOversizeLengthFollowedByAnythingIsCountedAndNeverThrows(
      @ForAll @IntRange(min = StreamDecoder.MAX_LENGTH + 1, max = 65535) int bad,
      @ForAll @Size(max = 5000) byte[] tail) {
    byte[] bytes = new byte[2 + tail.length];
    bytes[0] = (byte) (bad >>> 8);
    bytes[1] = (byte) bad;
    System.arraycopy(tail, 0, bytes, 2, tail.length);
    PlugStats stats = new PlugStats();
    StreamCodecTest.decode(new StreamDecoder(stats), bytes, 1);
    assertThat(stats.malformedCount()).isGreaterThanOrEqualTo(1);
  }
}
