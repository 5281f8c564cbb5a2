package io.kubevde.vdeplug.plugin.vde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlException;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** vde:// option table and port selection (vde-protocols.md §1.2, §3.4 steps 1-3, §12.8). */
class VdeOptionsTest {
  private static VdeOptions parse(String vnl) {
    return VdeOptions.parse(Vnl.parse(vnl), OpenArgs.DEFAULT);
  }

  @Test
  void numericPortgroupPortAndPositionalAreTheSamePort() {
    assertThat(parse("vde:///tmp/sw[3]").port()).contains(3);
    assertThat(parse("vde:///tmp/sw[port=3]").port()).contains(3);
    assertThat(parse("vde:///tmp/sw[portgroup=3]").port()).contains(3);
    assertThat(parse("vde:///tmp/sw[p=3]").port()).contains(3);
    assertThat(parse("/tmp/sw").port()).isEmpty();
    assertThat(parse("/tmp/sw").path()).isEqualTo("/tmp/sw");
  }

  @Test
  void port0IsTheManagementRequestAndNamesArePortgroups() {
    assertThat(parse("vde:///tmp/sw[0]").port()).contains(0);
    VdeOptions o = parse("vde:///tmp/sw[blue]");
    assertThat(o.port()).isEmpty();
    assertThat(o.portgroup()).contains("blue");
  }

  @Test
  void openArgsPortIsUsedOnlyWithoutAPortInTheVnl() {
    OpenArgs a = OpenArgs.DEFAULT.withPort(7);
    assertThat(VdeOptions.parse(Vnl.parse("vde:///tmp/sw"), a).port()).contains(7);
    assertThat(VdeOptions.parse(Vnl.parse("vde:///tmp/sw[4]"), a).port()).contains(4);
  }

  @Test
  void modeAndGroupAndNeverMode000() {
    VdeOptions o = parse("vde:///tmp/sw[mode=0770/group=staff]");
    assertThat(o.mode()).isEqualTo(0770);
    assertThat(o.group()).contains("staff");
    assertThat(parse("vde:///tmp/sw").mode()).isEqualTo(0700);
    assertThat(parse("vde:///tmp/sw[mode=0]").mode()).as("§12.8: never chmod 000").isEqualTo(0700);
    assertThat(
            VdeOptions.parse(
                    Vnl.parse("vde:///tmp/sw"),
                    new OpenArgs("x", 0, Optional.empty(), Optional.of(0)))
                .mode())
        .isEqualTo(0700);
  }

  @Test
  void unknownKeyIsNamed() {
    assertThatThrownBy(() -> parse("vde:///tmp/sw[colour=red]"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("colour");
  }
}
