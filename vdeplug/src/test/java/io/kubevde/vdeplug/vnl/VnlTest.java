package io.kubevde.vdeplug.vnl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VnlTest {
    private static final List<String> VXVDE_KEYS =
            List.of("port", "vni", "grp", "ttl", "rcvbuf", "v6", "v4", "hashsize", "expiretime", "if", "bind");
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
    void defaultFileIsUsedForEmptyVnlAndKeepsLastCharWithoutNewline(@TempDir Path home) throws Exception {
        Files.createDirectories(home.resolve(".vdeplug"));
        Files.writeString(home.resolve(".vdeplug/default"), "vxvde://239.1.2.3");
        assertThat(Vnl.parse("", home)).isEqualTo(new Vnl("vxvde://239.1.2.3", "vxvde", "239.1.2.3"));
    }

    @Test
    void slashOptionsMatchByPrefixLastWins() {
        VnlOptions o = VnlOptions.slash("x", "239.1.2.3/v=42/p=1/p=2/v6//=x", VXVDE_KEYS);
        assertThat(o.address()).isEqualTo("239.1.2.3");
        assertThat(o.options()).containsEntry("vni", "42").containsEntry("port", "2").containsEntry("v6", "");
    }

    @Test
    void quotesEscapesAndPercentDecoding() {
        VnlOptions o = VnlOptions.slash("x", "'a/b'%2Fc/port='147'%39/if=\\/x/ttl=%zz", VXVDE_KEYS);
        assertThat(o.address()).isEqualTo("a/b/c");
        assertThat(o.options()).containsEntry("port", "1479").containsEntry("if", "/x").containsEntry("ttl", "%zz");
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
        assertThatThrownBy(() -> VnlOptions.slash("x", "/ttl=abc", VXVDE_KEYS).intValue("ttl", 1, 0, 255))
                .hasMessageContaining("option 'ttl=abc'");
    }
}
