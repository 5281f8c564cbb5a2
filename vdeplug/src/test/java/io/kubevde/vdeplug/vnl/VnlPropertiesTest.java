package io.kubevde.vdeplug.vnl;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property tests of the VNL parser (vde-protocols.md §1): garbage only ever fails with
 * VnlException; %XX round trips.
 */
class VnlPropertiesTest {
  private static final List<String> VXVDE_KEYS =
      List.of(
          "port",
          "vni",
          "grp",
          "ttl",
          "rcvbuf",
          "v6",
          "v4",
          "hashsize",
          "expiretime",
          "if",
          "bind");
  private static final List<String> VDE_KEYS = List.of("port", "portgroup", "group", "mode");

  @Provide
  Arbitrary<String> vnlish() {
    Arbitrary<String> special =
        Arbitraries.strings().withChars("/[]'\"\\%=:.aAfF09pvm-> \t").ofMaxLength(40);
    Arbitrary<String> any = Arbitraries.strings().all().ofMaxLength(40);
    Arbitrary<String> schemed =
        Arbitraries.of("vxvde://", "vde://", "hub://", "udp://", "cmd://", "://", "")
            .flatMap(p -> special.map(s -> p + s));
    return Arbitraries.oneOf(special, any, schemed);
  }

  @Provide
  Arbitrary<String> text() {
    return Arbitraries.strings().withCharRange('\u0000', '\uD7FF').ofMaxLength(30);
  }

  @Property(tries = 2000)
  void randomTextNeverThrowsAnythingButVnlException(@ForAll("vnlish") String s) {
    try {
      Vnl v = Vnl.parse(s, null);
      assertThat(v.scheme()).isNotEmpty();
      VnlOptions.slash(s, v.argument(), VXVDE_KEYS);
    } catch (VnlException e) {
      assertThat(e.getMessage()).startsWith("bad VNL");
    }
    try {
      VnlOptions.bracket(s, s, VDE_KEYS, "port");
    } catch (VnlException e) {
      assertThat(e.part()).isNotEmpty();
    }
    try {
      VnlOptions.bracket(s, s, VDE_KEYS, null);
    } catch (VnlException e) {
      assertThat(e.vnl()).isEqualTo(s);
    }
  }

  @Property(tries = 1000)
  void schemeIsTheTextBeforeTheFirstSeparator(
      @ForAll("text") String left, @ForAll("text") String right) {
    if (left.isEmpty() || left.contains("://")) return;
    Vnl v = Vnl.parse(left + "://" + right, null);
    assertThat(v.scheme()).isEqualTo(left);
    assertThat(v.argument()).isEqualTo(right);
  }

  /**
   * Every UTF-8 byte written as %XX (upper or lower case hex) decodes back to the text, in address
   * and value.
   */
  @Property(tries = 1000)
  void percentEncodingRoundTrips(@ForAll("text") String s, @ForAll boolean upper) {
    StringBuilder enc = new StringBuilder();
    for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
      String hex = String.format("%%%02x", b & 0xff);
      enc.append(upper ? hex.toUpperCase(Locale.ROOT) : hex);
    }
    VnlOptions a = VnlOptions.slash("x", enc + "/if=" + enc, VXVDE_KEYS);
    assertThat(a.address()).isEqualTo(s);
    assertThat(a.get("if")).contains(s);
    VnlOptions b = VnlOptions.bracket("x", enc + "[mode=" + enc + "]", VDE_KEYS, "port");
    assertThat(b.address()).isEqualTo(s);
    assertThat(b.get("mode")).contains(s);
  }

  /**
   * Text in single quotes is literal (no %-decoding, no delimiters), whatever it holds besides a
   * quote.
   */
  @Property(tries = 1000)
  void singleQuotedTextIsLiteral(@ForAll("text") String s) {
    if (s.indexOf('\'') >= 0) return;
    assertThat(VnlOptions.slash("x", "'" + s + "'/v6", VXVDE_KEYS).address()).isEqualTo(s);
    assertThat(VnlOptions.bracket("x", "'" + s + "'[3]", VDE_KEYS, "port").address()).isEqualTo(s);
  }

  /** A backslash before any character copies it literally. */
  @Property(tries = 1000)
  void backslashEscapesEveryCharacter(@ForAll("text") String s) {
    StringBuilder enc = new StringBuilder();
    s.codePoints().forEach(cp -> enc.append('\\').appendCodePoint(cp));
    assertThat(VnlOptions.slash("x", enc.toString(), VXVDE_KEYS).address()).isEqualTo(s);
  }
}
