package io.kubevde.vdeplug.plugin.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.Plug;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The sealed-frame codec (Sealer + Opener), wire format as in vdeplug/README.md "seal://". */
class SealCodecTest {
  private static final SealKey K1 = SealKey.of(1, SealTestKeys.randomKey());
  private static final SealKey K2 = SealKey.of(2, SealTestKeys.randomKey());
  private static final Keyring BOTH = new Keyring(List.of(K1, K2), 1);

  @Provide
  Arbitrary<byte[]> frames() {
    Arbitrary<Integer> len =
        Arbitraries.oneOf(
            Arbitraries.integers().between(Plug.MIN_FRAME, 200),
            Arbitraries.integers().between(Plug.MIN_FRAME, SealFormat.MAX_FRAME),
            Arbitraries.of(Plug.MIN_FRAME, 60, 1514, SealFormat.MAX_FRAME));
    return len.flatMap(n -> Arbitraries.bytes().array(byte[].class).ofSize(n));
  }

  private static ByteBuffer seal(Sealer s, SealKey k, byte[] frame) {
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    s.seal(k, ByteBuffer.wrap(frame), out);
    return out;
  }

  @Property(tries = 300)
  void anyFrameRoundTripsAndOnlyTheMacsAreInClear(
      @ForAll("frames") byte[] frame,
      @ForAll int sender,
      @ForAll @IntRange(max = 1 << 30) int start) {
    Sealer s = new Sealer(sender, start);
    ByteBuffer sealed = seal(s, K2, frame);
    assertThat(sealed.remaining()).isEqualTo(frame.length + SealFormat.OVERHEAD);
    assertThat(Arrays.copyOf(sealed.array(), 12)).isEqualTo(Arrays.copyOf(frame, 12));
    assertThat(SealHeader.readFrom(sealed)).isEqualTo(new SealHeader(2, sender, start));
    assertThat(sealed.getShort(12) & 0xffff).isEqualTo(SealFormat.ETHERTYPE);
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    assertThat(new Opener(16).open(BOTH, sealed, out)).isEqualTo(Verdict.OPENED);
    assertThat(out.position()).isEqualTo(frame.length);
    assertThat(Arrays.copyOf(out.array(), frame.length)).isEqualTo(frame);
    assertThat(s.nextCounter()).isEqualTo(start + 1L);
  }

  @Property(tries = 300)
  void anySingleBitFlipIsRejectedAndLeavesNothingInTheCallersBuffer(
      @ForAll("frames") byte[] frame, @ForAll @IntRange(min = 0) int where) {
    ByteBuffer sealed = seal(new Sealer(42, 7), K1, frame);
    int bit = where % (sealed.remaining() * 8);
    sealed.array()[bit / 8] ^= (byte) (1 << (bit % 8));
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    Verdict v = new Opener(16).open(BOTH, sealed, out);
    assertThat(v)
        .as("bit %d of %d-byte sealed frame", bit, sealed.remaining())
        .isNotEqualTo(Verdict.OPENED);
    assertThat(out.position()).isZero();
    byte[] zeros = new byte[frame.length];
    assertThat(Arrays.copyOf(out.array(), frame.length)).isEqualTo(zeros);
  }

  @Test
  void verdictsNameTheReason() {
    byte[] frame = new byte[60];
    Arrays.fill(frame, (byte) 0x5a);
    Opener opener = new Opener(16);
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    ByteBuffer sealed = seal(new Sealer(1, 100), K1, frame);
    assertThat(opener.open(BOTH, sealed.duplicate(), out.clear())).isEqualTo(Verdict.OPENED);
    assertThat(opener.open(BOTH, sealed.duplicate(), out.clear()))
        .as("same datagram again")
        .isEqualTo(Verdict.REPLAY);
    // a frame under a key the receiver does not list
    Keyring only2 = new Keyring(List.of(K2), 2);
    ByteBuffer k1 = seal(new Sealer(1, 500), K1, frame);
    assertThat(opener.open(only2, k1, out.clear())).isEqualTo(Verdict.UNKNOWN_KEY);
    // a frame under another key that claims id 1
    ByteBuffer forged = seal(new Sealer(1, 600), SealKey.of(1, SealTestKeys.randomKey()), frame);
    assertThat(opener.open(BOTH, forged, out.clear())).isEqualTo(Verdict.BAD_TAG);
    // plain frames, truncated frames, a counter >= 2^63
    assertThat(opener.open(BOTH, ByteBuffer.wrap(frame), out.clear())).isEqualTo(Verdict.MALFORMED);
    ByteBuffer shortOne = seal(new Sealer(1, 700), K1, frame);
    shortOne.limit(SealFormat.MIN_SEALED - 1);
    assertThat(opener.open(BOTH, shortOne, out.clear())).isEqualTo(Verdict.MALFORMED);
    ByteBuffer negative = seal(new Sealer(1, 800), K1, frame);
    negative.putLong(SealFormat.COUNTER_OFFSET, -5);
    assertThat(opener.open(BOTH, negative, out.clear())).isEqualTo(Verdict.MALFORMED);
    // a caller buffer too small for the frame
    assertThat(opener.open(BOTH, seal(new Sealer(1, 900), K1, frame), ByteBuffer.allocate(20)))
        .isEqualTo(Verdict.MALFORMED);
    // forged frames did not move the window of sender 1: counter 600 (forged above) is still
    // acceptable
    assertThat(opener.open(BOTH, seal(new Sealer(1, 600), K1, frame), out.clear()))
        .isEqualTo(Verdict.OPENED);
  }

  @Property(tries = 50)
  void replayedCountersAreRejectedWhateverTheOrder(@ForAll("perm") List<Integer> order) {
    byte[] frame = new byte[64];
    Sealer s = new Sealer(9, 1000);
    ByteBuffer[] sealed = new ByteBuffer[order.size()];
    for (int i = 0; i < sealed.length; i++) sealed[i] = seal(s, K1, frame);
    Opener o = new Opener(4);
    ByteBuffer out = ByteBuffer.allocate(Plug.MAX_FRAME);
    for (int i : order)
      assertThat(o.open(BOTH, sealed[i].duplicate(), out.clear())).isEqualTo(Verdict.OPENED);
    for (int i : order)
      assertThat(o.open(BOTH, sealed[i].duplicate(), out.clear())).isEqualTo(Verdict.REPLAY);
  }

  @Provide
  Arbitrary<List<Integer>> perm() {
    return Arbitraries.integers()
        .between(1, 300)
        .flatMap(n -> Arbitraries.shuffle(java.util.stream.IntStream.range(0, n).boxed().toList()));
  }

  @Test
  void nonceIsSenderIdAndCounterSoTwoSendersUnderOneKeyNeverCollide() {
    byte[] frame = new byte[60];
    ByteBuffer a = seal(new Sealer(1, 5), K1, frame);
    ByteBuffer b = seal(new Sealer(2, 5), K1, frame);
    assertThat(Arrays.copyOfRange(a.array(), 28, 28 + 48))
        .isNotEqualTo(Arrays.copyOfRange(b.array(), 28, 28 + 48));
    Opener o = new Opener(16);
    assertThat(o.open(BOTH, a, ByteBuffer.allocate(100))).isEqualTo(Verdict.OPENED);
    assertThat(o.open(BOTH, b, ByteBuffer.allocate(100)))
        .as("same counter, other sender")
        .isEqualTo(Verdict.OPENED);
    assertThat(o.senders()).isEqualTo(2);
  }

  @Test
  void sealerRefusesFramesOutOfRange() {
    Sealer s = new Sealer(1, 0);
    assertThatThrownBy(() -> seal(s, K1, new byte[13]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> seal(s, K1, new byte[SealFormat.MAX_FRAME + 1]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(SealFormat.OVERHEAD).isEqualTo(32);
    assertThat(SealFormat.MAX_FRAME).isEqualTo(9202);
  }

  @Test
  void keyFileParsesHexAndBase64AndPicksTheCurrentKey() {
    byte[] a = SealTestKeys.randomKey();
    byte[] b = SealTestKeys.randomKey();
    String text =
        "# network blue\n\n"
            + KeyFile.line(3, a, false)
            + "\n7 "
            + java.util.Base64.getEncoder().encodeToString(b)
            + "\n";
    Keyring k = KeyFile.parse(text, OptionalInt.empty());
    assertThat(k.ids()).containsExactly(3, 7);
    assertThat(k.current().id()).as("no 'current' mark: the last key listed").isEqualTo(7);
    assertThat(k.byId(3)).isEqualTo(SealKey.of(3, a));
    assertThat(k.byId(7)).isEqualTo(SealKey.of(7, b));
    assertThat(k.byId(8)).isNull();
    assertThat(
            KeyFile.parse(
                    KeyFile.line(3, a, true)
                        + "\n7 "
                        + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b),
                    OptionalInt.empty())
                .current()
                .id())
        .isEqualTo(3);
    assertThat(KeyFile.parse(text, OptionalInt.of(3)).current().id()).isEqualTo(3);
    assertThat(k.toString()).doesNotContain(java.util.HexFormat.of().formatHex(a));
  }

  @Test
  void keyFileErrorsNameTheLine() {
    byte[] a = SealTestKeys.randomKey();
    assertThatThrownBy(() -> KeyFile.parse("", OptionalInt.empty()))
        .hasMessageContaining("no keys");
    assertThatThrownBy(() -> KeyFile.parse("1\n", OptionalInt.empty()))
        .hasMessageContaining("line 1");
    assertThatThrownBy(() -> KeyFile.parse("#\n300 " + hex(a), OptionalInt.empty()))
        .hasMessageContaining("line 2: key id 300");
    assertThatThrownBy(() -> KeyFile.parse("1 abcd", OptionalInt.empty()))
        .hasMessageContaining("expected 32");
    assertThatThrownBy(() -> KeyFile.parse("1 " + hex(a) + "\n1 " + hex(a), OptionalInt.empty()))
        .hasMessageContaining("listed twice");
    assertThatThrownBy(() -> KeyFile.parse("1 " + hex(a) + " newest", OptionalInt.empty()))
        .hasMessageContaining("unknown word 'newest'");
    assertThatThrownBy(() -> KeyFile.parse("1 " + hex(a), OptionalInt.of(2)))
        .hasMessageContaining("current key id 2 is not listed");
    assertThatThrownBy(
            () ->
                KeyFile.parse(
                    "1 " + hex(a) + " current\n2 " + hex(a) + " current", OptionalInt.empty()))
        .hasMessageContaining("second key marked 'current'");
  }

  private static String hex(byte[] k) {
    return java.util.HexFormat.of().formatHex(k);
  }
}
