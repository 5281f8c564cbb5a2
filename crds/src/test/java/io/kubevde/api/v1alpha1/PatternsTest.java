package io.kubevde.api.v1alpha1;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The schema patterns accept what users write and reject typical mistakes (same regex the API
 * server applies).
 */
class PatternsTest {
  private static boolean m(String re, String s) {
    return Pattern.compile(re).matcher(s).matches();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"10.77.0.0/16", "192.168.77.0/24", "0.0.0.0/0", "fd77::/64", "2001:db8::/32"})
  void cidrAccepted(String s) {
    assertThat(m(Patterns.CIDR, s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"10.77.0.0", "10.77.0.0/33", "256.1.1.1/8", "10.77.0/16", "fd77::/129", "abc"})
  void cidrRejected(String s) {
    assertThat(m(Patterns.CIDR, s)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"239.0.0.1", "224.0.0.251", "239.77.1.2", "ff05:56de::1", "FF02::1"})
  void multicastAccepted(String s) {
    assertThat(m(Patterns.MULTICAST_GROUP, s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.1", "240.0.0.1", "223.255.255.255", "fe80::1", "239.0.0"})
  void multicastRejected(String s) {
    assertThat(m(Patterns.MULTICAST_GROUP, s)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "vxvde://239.0.0.1",
        "udp://10.0.0.1:5000/10.0.0.2:5000",
        "vde:///run/sw[port=3]",
        "/run/kubevde/net/default/blue",
        "cmd://ssh host vde_plug vde:///tmp/sw",
        "vdenetwork://default/red"
      })
  void vnlAccepted(String s) {
    assertThat(m(Patterns.VNL, s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", "relative/path", "://x", "1udp://x", "udp:/x", "vde:///a\nb", "UDP://x"})
  void vnlRejected(String s) {
    assertThat(m(Patterns.VNL, s)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"02:00:00:12:34:56", "AA:bb:CC:00:00:01"})
  void macAccepted(String s) {
    assertThat(m(Patterns.MAC, s)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"02:00:00:12:34", "02-00-00-12-34-56", "0g:00:00:12:34:56"})
  void macRejected(String s) {
    assertThat(m(Patterns.MAC, s)).isFalse();
  }
}
