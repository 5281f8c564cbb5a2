package io.kubevde.vdeplug.plugin.overlay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class VxlanHeaderTest {

  @Test
  void vni1HeaderIsTheCapturedBytes() {
    // vde-protocols.md §4.4 capture: 08 00 00 00 00 00 01 00
    assertThat(new VxlanHeader(1).bytes()).containsExactly(0x08, 0, 0, 0, 0, 0, 0x01, 0);
  }

  @Test
  void vni42AndLargeVniAreBigEndianInBytes4To6() {
    assertThat(new VxlanHeader(42).bytes()).containsExactly(0x08, 0, 0, 0, 0, 0, 0x2a, 0);
    assertThat(new VxlanHeader(0xABCDEF).bytes())
        .containsExactly(0x08, 0, 0, 0, 0xAB, 0xCD, 0xEF, 0);
  }

  @Test
  void exactMatchRejectsAnyOtherByteButVxlanRuleIgnoresReservedBytes() {
    VxlanHeader h = new VxlanHeader(1000);
    ByteBuffer b = ByteBuffer.wrap(h.bytes());
    assertThat(h.matchesExactly(b, 0)).isTrue();
    assertThat(h.matchesFlagsAndVni(b, 0)).isTrue();
    b.put(7, (byte) 1);
    assertThat(h.matchesExactly(b, 0)).isFalse();
    assertThat(h.matchesFlagsAndVni(b, 0)).isTrue();
    b.put(0, (byte) 0x0C);
    assertThat(h.matchesFlagsAndVni(b, 0)).isFalse();
    assertThat(new VxlanHeader(1001).matchesExactly(ByteBuffer.wrap(h.bytes()), 0)).isFalse();
  }

  @Test
  void decodeReadsVniAndRejectsOtherFlags() {
    ByteBuffer b = ByteBuffer.allocate(20);
    b.position(5);
    new VxlanHeader(77).write(b);
    assertThat(VxlanHeader.decode(b, 5)).isEqualTo(new VxlanHeader(77));
    b.put(5, (byte) 0);
    assertThat(VxlanHeader.decode(b, 5)).isNull();
  }

  @Test
  void vniOutOfRangeIsRejected() {
    assertThatThrownBy(() -> new VxlanHeader(1 << 24)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new VxlanHeader(-1)).isInstanceOf(IllegalArgumentException.class);
  }
}
