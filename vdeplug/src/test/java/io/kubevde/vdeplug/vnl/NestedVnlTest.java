package io.kubevde.vdeplug.vnl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Nested VNLs in braces ({@code OUTER{INNER}}, vdeplug4's vde_parsenestparms) as wrapper plugins
 * use them.
 */
class NestedVnlTest {

  @Test
  void innerIsBetweenFirstOpenAndLastCloseBraceAndKeepsItsOwnSyntax() {
    Vnl v = Vnl.parse("seal:///etc/k[current=2]{udp://127.0.0.1:5000->127.0.0.1:5001}", null);
    assertThat(v.scheme()).isEqualTo("seal");
    NestedVnl n = NestedVnl.find(v.text(), v.argument()).orElseThrow();
    assertThat(n.outer()).isEqualTo("/etc/k[current=2]");
    assertThat(n.inner()).isEqualTo("udp://127.0.0.1:5000->127.0.0.1:5001");
    VnlOptions o = VnlOptions.bracket(v.text(), n.outer(), List.of("key", "current"), null);
    assertThat(o.address()).isEqualTo("/etc/k");
    assertThat(o.options()).containsEntry("current", "2");
  }

  @Test
  void nestingNestsAndQuotedBracesDoNotCount() {
    NestedVnl n = NestedVnl.find("x", "/k{seal:///j{vde:///tmp/sw[3]}}").orElseThrow();
    assertThat(n.inner()).isEqualTo("seal:///j{vde:///tmp/sw[3]}");
    assertThat(NestedVnl.find("x", n.inner().substring("seal://".length())).orElseThrow().inner())
        .isEqualTo("vde:///tmp/sw[3]");
    NestedVnl q = NestedVnl.find("x", "'/a{b'{cmd://sh -c 'echo }'}").orElseThrow();
    assertThat(q.outer()).isEqualTo("'/a{b'");
    assertThat(q.inner()).isEqualTo("cmd://sh -c 'echo }'");
    assertThat(NestedVnl.find("x", "/a\\{b")).isEmpty();
  }

  @Test
  void noBraceIsEmptyAndBadBracesAreNamed() {
    assertThat(NestedVnl.find("x", "/etc/k[current=1]")).isEqualTo(Optional.empty());
    assertThatThrownBy(() -> NestedVnl.find("seal://k{udp://1->h:2", "k{udp://1->h:2"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("missing '}'");
    assertThatThrownBy(() -> NestedVnl.find("x", "k{ }"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("nested VNL '{}'");
    assertThatThrownBy(() -> NestedVnl.find("x", "k{null://}junk"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("text 'junk'");
    assertThatThrownBy(() -> NestedVnl.require("seal://k", "k", "seal://K{VNL}"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("missing the nested VNL in braces");
  }

  @Provide
  Arbitrary<String> plain() {
    return Arbitraries.strings().withChars("/[]=:.-> abc019").ofMaxLength(20);
  }

  @Provide
  Arbitrary<String> anything() {
    return Arbitraries.strings().withChars("{}[]/'\"\\%=:ab ").ofMaxLength(30);
  }

  @Property(tries = 500)
  void anyInnerTextWithoutQuotesRoundTrips(
      @ForAll("plain") String outer, @ForAll("plain") String inner) {
    String innerVnl = "vde://" + inner + "{x}" + inner; // braces inside the inner VNL are fine
    NestedVnl n = NestedVnl.find("x", outer + "{" + innerVnl + "}").orElseThrow();
    assertThat(n.outer()).isEqualTo(outer);
    assertThat(n.inner()).isEqualTo(innerVnl.strip());
  }

  @Property(tries = 1000)
  void garbageOnlyEverFailsWithVnlException(@ForAll("anything") String s) {
    try {
      NestedVnl.find("x", s).ifPresent(n -> assertThat(n.inner()).isNotBlank());
    } catch (VnlException e) {
      assertThat(e.getMessage()).startsWith("bad VNL \"x\"");
    }
  }
}
