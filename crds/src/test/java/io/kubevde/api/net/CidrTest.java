package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CidrTest {
  @Test
  void parsesAndNormalises() {
    assertThat(Cidr.parse("10.77.3.4/16").toString()).isEqualTo("10.77.0.0/16");
    assertThat(Cidr.parse("fd77:0:0::5/64").toString()).isEqualTo("fd77::/64");
    assertThat(Cidr.parse("10.77.0.0/24").size().intValue()).isEqualTo(256);
  }

  @Test
  void overlapAndContainment() {
    assertThat(Cidr.parse("10.0.0.0/8").overlaps(Cidr.parse("10.1.0.0/16"))).isTrue();
    assertThat(Cidr.parse("10.0.0.0/16").overlaps(Cidr.parse("10.1.0.0/16"))).isFalse();
    assertThat(Cidr.parse("10.0.0.0/8").overlaps(Cidr.parse("fd00::/8"))).isFalse();
    assertThat(Cidr.parse("10.0.0.0/30").contains(Cidr.Ip.parse("10.0.0.3"))).isTrue();
    assertThat(Cidr.parse("10.0.0.0/30").contains(Cidr.Ip.parse("10.0.0.4"))).isFalse();
  }

  @Test
  void rejectsGarbageWithoutDnsLookups() {
    assertThatThrownBy(() -> Cidr.parse("example.com/24")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0")).isInstanceOf(IllegalArgumentException.class);
  }
}
