package io.kubevde.vdeplug.plugin.vxvde;

import static io.kubevde.vdeplug.plugin.vxvde.SenderFilter.Verdict.ACCEPT;
import static io.kubevde.vdeplug.plugin.vxvde.SenderFilter.Verdict.NOT_ALLOWED;
import static io.kubevde.vdeplug.plugin.vxvde.SenderFilter.Verdict.NOT_A_PEER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.plugin.overlay.SenderPrefix;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class SenderFilterTest {

  static InetSocketAddress at(String host, int port) {
    return new InetSocketAddress(host, port);
  }

  static List<SenderPrefix> prefixes(String... p) {
    return java.util.Arrays.stream(p).map(SenderPrefix::parse).toList();
  }

  @Test
  void withoutPeersOrPrefixesEverySenderIsAccepted() {
    SenderFilter f = new SenderFilter(false, List.of(), List.of());
    assertThat(f.active()).isFalse();
    assertThat(f.verdict(at("192.0.2.1", 1))).isEqualTo(ACCEPT);
  }

  @Test
  void unicastModeAcceptsExactlyThePeersIpAndPort() {
    SenderFilter f =
        new SenderFilter(
            false,
            List.of(at("10.77.0.2", 14789), at("10.77.0.9", 15000), at("10.77.0.5", 14789)),
            List.of());
    assertThat(f.verdict(at("10.77.0.2", 14789))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("10.77.0.9", 15000))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("10.77.0.5", 14789))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("10.77.0.2", 14790))).as("right IP, other port").isEqualTo(NOT_A_PEER);
    assertThat(f.verdict(at("10.77.0.9", 14789))).isEqualTo(NOT_A_PEER);
    assertThat(f.verdict(at("10.77.0.3", 14789))).isEqualTo(NOT_A_PEER);
    assertThat(f.verdict(at("fd77::2", 14789))).as("other family").isEqualTo(NOT_A_PEER);
  }

  @Test
  void ipv6PeersCompareAll128Bits() {
    SenderFilter f =
        new SenderFilter(
            true, List.of(at("fd77::2", 14789), at("fd77:0:0:1::2", 14789)), List.of());
    assertThat(f.verdict(at("fd77::2", 14789))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("fd77:0:0:1::2", 14789))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("fd77::1:2", 14789))).isEqualTo(NOT_A_PEER);
    assertThat(f.verdict(at("fe77::2", 14789))).isEqualTo(NOT_A_PEER);
  }

  @Test
  void prefixesOfThePlugsFamilyDecideIpv4() {
    SenderFilter f =
        new SenderFilter(
            false, List.of(), prefixes("10.0.0.0/8", "192.168.7.0/25", "fd00::/8", "172.16.1.1"));
    assertThat(f.verdict(at("10.200.3.4", 9))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("11.0.0.1", 9))).isEqualTo(NOT_ALLOWED);
    assertThat(f.verdict(at("192.168.7.127", 9))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("192.168.7.128", 9))).isEqualTo(NOT_ALLOWED);
    assertThat(f.verdict(at("172.16.1.1", 9))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("172.16.1.2", 9))).isEqualTo(NOT_ALLOWED);
    assertThat(f.verdict(at("255.255.255.255", 9))).isEqualTo(NOT_ALLOWED);
  }

  @Test
  void prefixesOfThePlugsFamilyDecideIpv6() {
    SenderFilter f =
        new SenderFilter(
            true,
            List.of(),
            prefixes("10.0.0.0/8", "fd00::/8", "2001:db8:0:1::/72", "2001:db8::5"));
    assertThat(f.verdict(at("fd12:3456::1", 9))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("fe80::1", 9))).isEqualTo(NOT_ALLOWED);
    assertThat(f.verdict(at("2001:db8:0:1:ff::1", 9))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("2001:db8:0:1:100::1", 9))).as("bit 72 differs").isEqualTo(NOT_ALLOWED);
    assertThat(f.verdict(at("2001:db8::5", 9))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("2001:db8::6", 9))).isEqualTo(NOT_ALLOWED);
    assertThat(f.verdict(at("10.1.1.1", 9)))
        .as("an IPv4 sender on an IPv6 plug")
        .isEqualTo(NOT_ALLOWED);
  }

  @Test
  void zeroLengthPrefixesAllowTheirWholeFamily() {
    assertThat(
            new SenderFilter(false, List.of(), prefixes("0.0.0.0/0")).verdict(at("203.0.113.9", 1)))
        .isEqualTo(ACCEPT);
    assertThat(new SenderFilter(true, List.of(), prefixes("::/0")).verdict(at("2001:db8::9", 1)))
        .isEqualTo(ACCEPT);
  }

  @Test
  void unicastModeWithAllowAppliesBothChecks() {
    SenderFilter f =
        new SenderFilter(
            false,
            List.of(at("10.77.0.2", 14789), at("10.88.0.2", 14789)),
            prefixes("10.77.0.0/16"));
    assertThat(f.verdict(at("10.77.0.2", 14789))).isEqualTo(ACCEPT);
    assertThat(f.verdict(at("10.88.0.2", 14789)))
        .as("a peer outside the prefixes")
        .isEqualTo(NOT_ALLOWED);
    assertThat(f.verdict(at("10.77.0.3", 14789)))
        .as("inside the prefixes, not a peer")
        .isEqualTo(NOT_A_PEER);
  }

  @Test
  void prefixesParseMaskAndReject() {
    assertThat(SenderPrefix.parse("10.1.2.3/8")).hasToString("10.0.0.0/8");
    assertThat(SenderPrefix.parse("fd77::1").length()).isEqualTo(128);
    assertThat(SenderPrefix.parse(" 192.168.1.0/24 ").length()).isEqualTo(24);
    assertThatThrownBy(() -> SenderPrefix.parse("10.0.0.0/33")).hasMessageContaining("0..32");
    assertThatThrownBy(() -> SenderPrefix.parse("fd00::/129")).hasMessageContaining("0..128");
    assertThatThrownBy(() -> SenderPrefix.parse("10.0.0.0/x")).hasMessageContaining("not a number");
    assertThatThrownBy(() -> SenderPrefix.parse("example.com/8")).hasMessageContaining("literal");
    assertThatThrownBy(() -> SenderPrefix.parse("10.0.0.256")).hasMessageContaining("literal");
  }
}
