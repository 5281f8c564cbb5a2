package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlException;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Netnode options and the permission derivation of vde-protocols.md §6.1. */
class NetnodeConfigTest {
  private static final OpenArgs NO_ARGS = new OpenArgs("", 0, Optional.empty(), Optional.empty());

  private static NetnodeConfig parse(String vnl) {
    return NetnodeConfig.parse(Vnl.parse(vnl), NO_ARGS);
  }

  @Test
  void defaultsAre0600And02700() {
    NetnodeConfig c = parse("switch:///tmp/kvsw");
    assertThat(c.mode()).isEqualTo(0600);
    assertThat(c.dirMode()).isEqualTo(02700);
    assertThat(c.hashSize()).isEqualTo(256);
    assertThat(c.expireSeconds()).isEqualTo(120);
    assertThat(c.directory()).contains(Path.of("/tmp/kvsw"));
  }

  @Test
  void modeStripsExecuteBitsAndDerivesDirmode() {
    NetnodeConfig c = parse("hub:///tmp/kvh[mode=0666]");
    assertThat(c.mode()).isEqualTo(0666);
    assertThat(c.dirMode()).isEqualTo(02777);
    assertThat(parse("hub:///tmp/kvh[mode=0777]").mode()).isEqualTo(0666);
    assertThat(parse("hub:///tmp/kvh[mode=0660/dirmode=0750]").dirMode()).isEqualTo(0750);
    assertThat(parse("hub:///tmp/kvh[m=0640]").dirMode()).isEqualTo(02750);
  }

  @Test
  void switchTableOptions() {
    NetnodeConfig c = parse("switch:///tmp/kvs[hashsize=1024/hashseed=9/exp=30/grp=0]");
    assertThat(c.hashSize()).isEqualTo(1024);
    assertThat(c.hashSeed()).isEqualTo(9);
    assertThat(c.expireSeconds()).isEqualTo(30);
    assertThat(c.group()).contains("0");
  }

  @Test
  void portLimitOptions() {
    assertThat(parse("switch:///tmp/kvs").limits()).isEqualTo(PortLimits.DEFAULT);
    PortLimits l =
        parse("switch:///tmp/kvs[stormpps=100/policepps=20000/policebps=10m/burstms=50]").limits();
    assertThat(l).isEqualTo(new PortLimits(20000, 10L << 20, 100, 50));
    assertThat(parse("hub:///tmp/kvh[stormpps=0]").limits().limited()).isFalse();
    assertThatThrownBy(() -> parse("switch:///tmp/kvs[stormpps=-1]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("stormpps");
    assertThatThrownBy(() -> parse("switch:///tmp/kvs[policebps=2g]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("policebps");
    assertThatThrownBy(() -> parse("switch:///tmp/kvs[burstms=0]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("burstms");
  }

  @Test
  void badOptionsAreNamed() {
    assertThatThrownBy(() -> parse("switch:///tmp/kvs[color=1]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("color");
    assertThatThrownBy(() -> parse("switch:///tmp/kvs[3]"))
        .as("netnodes have no positional parameter")
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("3");
    assertThatThrownBy(() -> parse("switch:///tmp/kvs[hashsize=x]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("hashsize");
  }

  @Test
  void dedupIsOffByDefaultAndTakesAnOptionalWindow() {
    assertThat(parse("multi:///tmp/kvm").dedupMillis()).isZero();
    assertThat(parse("multi:///tmp/kvm[dedup]").dedupMillis())
        .isEqualTo(NetnodeConfig.DEFAULT_DEDUP_MS);
    assertThat(parse("multi:///tmp/kvm[dedup=50]").dedupMillis()).isEqualTo(50);
    assertThat(parse("multi:///tmp/kvm[d=0750]").dirMode())
        .as("'d' still abbreviates dirmode")
        .isEqualTo(0750);
  }

  @Test
  void emptyPathIsTheUsersDefaultNode() {
    assertThat(parse("switch://").directory().orElseThrow().toString()).startsWith("/tmp/vdenode_");
  }
}
