package io.kubevde.vdeplug.vnl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class VnlTest {
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

  @Test
  void schemeIsTextBeforeFirstSeparator() {
    Vnl v = Vnl.parse("cmd://ssh host vde_plug vxvde://", null);
    assertThat(v.scheme()).isEqualTo("cmd");
    assertThat(v.argument()).isEqualTo("ssh host vde_plug vxvde://");
  }

  @Test
  void barePathAndEmptyAreVde(@TempDir Path home) {
    assertThat(Vnl.parse("/tmp/sw", home)).isEqualTo(new Vnl("/tmp/sw", "vde", "/tmp/sw"));
    assertThat(Vnl.parse("", home)).isEqualTo(new Vnl("", "vde", ""));
  }

  @Test
  void defaultFileIsUsedForEmptyVnlAndKeepsLastCharWithoutNewline(@TempDir Path home)
      throws Exception {
    Files.createDirectories(home.resolve(".vdeplug"));
    Files.writeString(home.resolve(".vdeplug/default"), "vxvde://239.1.2.3");
    assertThat(Vnl.parse("", home)).isEqualTo(new Vnl("vxvde://239.1.2.3", "vxvde", "239.1.2.3"));
  }

  @Test
  void slashOptionsMatchByPrefixLastWins() {
    VnlOptions o = VnlOptions.slash("x", "239.1.2.3/v=42/p=1/p=2/v6//=x", VXVDE_KEYS);
    assertThat(o.address()).isEqualTo("239.1.2.3");
    assertThat(o.options())
        .containsEntry("vni", "42")
        .containsEntry("port", "2")
        .containsEntry("v6", "");
  }

  @Test
  void quotesEscapesAndPercentDecoding() {
    VnlOptions o = VnlOptions.slash("x", "'a/b'%2Fc/port='147'%39/if=\\/x/ttl=%zz", VXVDE_KEYS);
    assertThat(o.address()).isEqualTo("a/b/c");
    assertThat(o.options())
        .containsEntry("port", "1479")
        .containsEntry("if", "/x")
        .containsEntry("ttl", "%zz");
  }

  @Test
  void bracketOptionsWithPositionalPort() {
    VnlOptions o = VnlOptions.bracket("x", "/tmp/s'[w'[5/mode=0660]junk", VDE_KEYS, "port");
    assertThat(o.address()).isEqualTo("/tmp/s[w");
    assertThat(o.options()).containsEntry("port", "5").containsEntry("mode", "0660");
  }

  @Test
  void unknownKeyIsNamed() {
    assertThatThrownBy(() -> VnlOptions.slash("vxvde://g/bogus=1", "g/bogus=1", VXVDE_KEYS))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("option 'bogus=1'")
        .hasMessageContaining("unknown key 'bogus'");
  }

  @Test
  void sizeValueHasSuffixes() {
    VnlOptions o = VnlOptions.slash("x", "/rcvbuf=2m", VXVDE_KEYS);
    assertThat(o.sizeValue("rcvbuf", 0)).isEqualTo(2L << 20);
    assertThatThrownBy(
            () -> VnlOptions.slash("x", "/ttl=abc", VXVDE_KEYS).intValue("ttl", 1, 0, 255))
        .hasMessageContaining("option 'ttl=abc'");
  }

  private static final List<String> NODE_KEYS =
      List.of("mode", "dirmode", "grp", "hashsize", "hashseed", "expiretime");

  /**
   * Family A (vxvde key table), vde-protocols.md §1.2: argument | address | options as k=v;k=v (| =
   * none).
   */
  @ParameterizedTest(name = "slash {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      nullValues = "NULL",
      textBlock =
          """
            239.1.2.3                          | 239.1.2.3     | ``
            ``                                 | ``            | ``
            /v6                                | ``            | v6=
            239.1.2.3/vni=42/ttl=3             | 239.1.2.3     | vni=42;ttl=3
            g/v=5                              | g             | vni=5
            g/v4/v6                            | g             | v4=;v6=
            g/h=64/e=10/i=eth0/b=::1           | g             | hashsize=64;expiretime=10;if=eth0;bind=::1
            g/g=1000/r=2m/t=2/p=1              | g             | grp=1000;rcvbuf=2m;ttl=2;port=1
            g/port=14793/port=14794            | g             | port=14794
            g/if=a=b                           | g             | if=a=b
            a//vni=1/                          | a             | vni=1
            a/=x/vni=2                         | a             | vni=2
            g/port='14795'                     | g             | port=14795
            g/port=%31%34%37%39%36             | g             | port=14796
            a%2Fb/if=x%2fy                     | a/b           | if=x/y
            a%zz%4/ttl=5%                      | a%zz%4        | ttl=5%
            'a/b                               | a/b           | ``
            a\\/b/if=\\'x                      | a/b           | if='x
            "it's"/if="a/b"                    | it's          | if=a/b
            '%41'/if=%41                       | %41           | if=A
            ff05:56de::1/v6/vni=42             | ff05:56de::1  | v6=;vni=42
            """)
  void slashTable(String argument, String address, String options) {
    VnlOptions o = VnlOptions.slash("vxvde://" + argument, argument, VXVDE_KEYS);
    assertThat(o.address()).isEqualTo(address);
    assertThat(o.options()).isEqualTo(options(options));
  }

  /** Family B, vde key table with the positional port, §1.2. */
  @ParameterizedTest(name = "bracket {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
            /tmp/sw                            | /tmp/sw       | ``
            ``                                 | ``            | ``
            /tmp/sw[3]                         | /tmp/sw       | port=3
            /tmp/sw[port=3]                    | /tmp/sw       | port=3
            /tmp/sw[portgroup=3]               | /tmp/sw       | portgroup=3
            /tmp/sw[portg=x/g=staff/m=0770]    | /tmp/sw       | portgroup=x;group=staff;mode=0770
            /tmp/sw[p=4/po=5]                  | /tmp/sw       | port=5
            /tmp/sw[mode]                      | /tmp/sw       | mode=
            /tmp/sw[lan]                       | /tmp/sw       | port=lan
            /tmp/sw[3/mode=0770]junk           | /tmp/sw       | port=3;mode=0770
            /tmp/sw[3                          | /tmp/sw       | port=3
            /tmp/sw[mode=x]y]                  | /tmp/sw       | mode=x]y
            '/tmp/a[b'[7]                      | /tmp/a[b      | port=7
            /tmp/a%5Bb[7]                      | /tmp/a[b      | port=7
            /tmp/s\\[w[]                       | /tmp/s[w      | ``
            /tmp/sw[/port='5'//]               | /tmp/sw       | port=5
            """)
  void bracketTable(String argument, String path, String options) {
    VnlOptions o = VnlOptions.bracket("vde://" + argument, argument, VDE_KEYS, "port");
    assertThat(o.address()).isEqualTo(path);
    assertThat(o.options()).isEqualTo(options(options));
  }

  @Test
  void netnodeKeysMatchByPrefixInTableOrderAndHaveNoPositional() {
    VnlOptions o =
        VnlOptions.bracket("x", "/n[d=0700/hashs=64/hashse=7/exp=30/gr=1]", NODE_KEYS, null);
    assertThat(o.options())
        .containsEntry("dirmode", "0700")
        .containsEntry("hashsize", "64")
        .containsEntry("hashseed", "7")
        .containsEntry("expiretime", "30")
        .containsEntry("grp", "1");
    assertThat(o.octalValue("dirmode", 0)).isEqualTo(0700);
    assertThatThrownBy(() -> VnlOptions.bracket("hub:///n[lan]", "/n[lan]", NODE_KEYS, null))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("'lan'");
  }

  @Test
  void aGivenKeyLongerThanATableKeyNeverMatches() {
    assertThatThrownBy(() -> VnlOptions.slash("vxvde://g/vnix=1", "g/vnix=1", VXVDE_KEYS))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("unknown key 'vnix'");
  }

  @ParameterizedTest(name = "scheme {0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      textBlock =
          """
            vxvde://239.1.2.3/vni=42      | vxvde   | 239.1.2.3/vni=42
            cmd://ssh h vde_plug vxvde:// | cmd     | ssh h vde_plug vxvde://
            udp://5000->10.0.0.2:5001     | udp     | 5000->10.0.0.2:5001
            null://                       | null    | ``
            tap://vde0                    | tap     | vde0
            /no/such/dir/sw               | vde     | /no/such/dir/sw
            relative                      | vde     | relative
            HUB:///tmp/h                  | HUB     | /tmp/h
            """)
  void schemeAndArgument(String text, String scheme, String argument) {
    Vnl v = Vnl.parse(text, null);
    assertThat(v.scheme()).isEqualTo(scheme);
    assertThat(v.argument()).isEqualTo(argument);
  }

  @Test
  void emptySchemeIsRejectedByName() {
    assertThatThrownBy(() -> Vnl.parse("://x", null))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("scheme");
  }

  @Test
  void aRegularFileIsReplacedByItsFirstLineAndTheOldDefaultSwitchFileIsTheFallback(
      @TempDir Path home) throws Exception {
    Path f = home.resolve("vnlfile");
    Files.writeString(f, "udp://5000->10.77.0.2:5001\nsecond line\n");
    assertThat(Vnl.parse(f.toString(), home))
        .isEqualTo(new Vnl("udp://5000->10.77.0.2:5001", "udp", "5000->10.77.0.2:5001"));
    Files.createDirectories(home.resolve(".vde2"));
    Files.writeString(home.resolve(".vde2/default.switch"), "/tmp/oldsw\n");
    assertThat(Vnl.parse("", home)).isEqualTo(new Vnl("/tmp/oldsw", "vde", "/tmp/oldsw"));
  }

  private static java.util.Map<String, String> options(String spec) {
    java.util.Map<String, String> m = new java.util.LinkedHashMap<>();
    if (spec == null || spec.isEmpty()) return m;
    for (String kv : spec.split(";")) {
      int eq = kv.indexOf('=');
      m.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    return m;
  }
}
