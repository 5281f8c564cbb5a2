package io.kubevde.api.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class CidrTest {
  @Test
  void parseNetworkNormalisesToThePrefix() {
    assertThat(Cidr.parseNetwork("10.77.3.4/16").toString()).isEqualTo("10.77.0.0/16");
    assertThat(Cidr.parseNetwork("fd77:0:0::5/64").toString()).isEqualTo("fd77::/64");
    assertThat(Cidr.parseNetwork("10.77.0.0/24").size().intValue()).isEqualTo(256);
  }

  @Test
  void parseKeepsTheHostAddressAndDefaultsToAFullPrefix() {
    Cidr pod = Cidr.parse("10.77.0.5/24");
    assertThat(pod.toString()).isEqualTo("10.77.0.5/24");
    assertThat(pod.ip()).isEqualTo("10.77.0.5");
    assertThat(Cidr.format(pod.network(), false)).isEqualTo("10.77.0.0");
    assertThat(Cidr.format(pod.last(), false)).isEqualTo("10.77.0.255");
    assertThat(Cidr.parse("10.77.0.9").toString()).isEqualTo("10.77.0.9/32");
    assertThat(Cidr.parse("fd77::1").prefix()).isEqualTo(128);
    assertThat(Cidr.parse("fd77::1").v6()).isTrue();
    assertThat(pod.with(pod.network().add(BigInteger.TEN)).toString()).isEqualTo("10.77.0.10/24");
  }

  @Test
  void overlapAndContainment() {
    assertThat(Cidr.parseNetwork("10.0.0.0/8").overlaps(Cidr.parseNetwork("10.1.0.0/16"))).isTrue();
    assertThat(Cidr.parseNetwork("10.0.0.0/16").overlaps(Cidr.parseNetwork("10.1.0.0/16")))
        .isFalse();
    assertThat(Cidr.parseNetwork("10.0.0.0/8").overlaps(Cidr.parseNetwork("fd00::/8"))).isFalse();
    assertThat(Cidr.parseNetwork("10.0.0.0/30").contains(Cidr.Ip.parse("10.0.0.3"))).isTrue();
    assertThat(Cidr.parseNetwork("10.0.0.0/30").contains(Cidr.Ip.parse("10.0.0.4"))).isFalse();
    assertThat(Cidr.parse("fd77::ff/120").contains(Cidr.parse("fd77::1").address())).isTrue();
    assertThat(Cidr.parse("fd77::ff/120").contains(Cidr.parse("fd77::100").address())).isFalse();
  }

  @Test
  void blocksOfASubnet() {
    Cidr subnet = Cidr.parseNetwork("10.79.0.0/16");
    assertThat(subnet.block(20, 1).toString()).isEqualTo("10.79.16.0/20");
    assertThat(subnet.blockCount(20)).isEqualTo(16);
    assertThat(subnet.at(BigInteger.ONE).toString()).isEqualTo("10.79.0.1");
  }

  @Test
  void rejectsGarbageWithoutDnsLookups() {
    assertThatThrownBy(() -> Cidr.parse("example.com/24"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("example.com");
    assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parse("10.1/8")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Cidr.parseNetwork("10.0.0.0"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
