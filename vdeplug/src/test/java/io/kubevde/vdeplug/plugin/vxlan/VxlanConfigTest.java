package io.kubevde.vdeplug.plugin.vxlan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.vnl.VnlException;
import java.net.InetAddress;
import java.net.StandardProtocolFamily;
import org.junit.jupiter.api.Test;

class VxlanConfigTest {
  private static VxlanConfig parse(String arg) {
    return VxlanConfig.parse("vxlan://" + arg, arg);
  }

  @Test
  void defaultsAndOptions() throws Exception {
    VxlanConfig c = parse("");
    assertThat(c.group()).isEqualTo(InetAddress.getByName("239.0.0.1"));
    assertThat(c.port()).isEqualTo(4789);
    assertThat(c.vni()).isEqualTo(1);
    VxlanConfig d = parse("239.1.2.4/p=4790/vni=99/ttl=2/rcvbuf=64k/hashsize=0/exp=5/if=lo");
    assertThat(d.port()).isEqualTo(4790);
    assertThat(d.vni()).isEqualTo(99);
    assertThat(d.ttl()).isEqualTo(2);
    assertThat(d.rcvbuf()).isEqualTo(65536);
    assertThat(d.hashsize()).isZero();
    assertThat(d.expireMillis()).isEqualTo(5000);
    assertThat(d.ifName()).isEqualTo("lo");
  }

  @Test
  void v6AndV4SelectTheFamily() throws Exception {
    assertThat(parse("/v6").group()).isEqualTo(InetAddress.getByName("ff05:56de::1"));
    assertThat(parse("/v6").family()).isEqualTo(StandardProtocolFamily.INET6);
    assertThat(parse("/v4").family()).isEqualTo(StandardProtocolFamily.INET);
    assertThatThrownBy(() -> parse("239.1.2.4/v6"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("239.1.2.4");
    assertThatThrownBy(() -> parse("/grp=1"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("grp");
  }

  @Test
  void allowListsTheAcceptedSenders() {
    assertThat(parse("239.1.2.4").allow()).isEmpty();
    assertThat(parse("239.1.2.4/allow='10.78.0.0/16,fd78::/64'").allow())
        .extracting(Object::toString)
        .containsExactly("10.78.0.0/16", "fd78:0:0:0:0:0:0:0/64");
    assertThatThrownBy(() -> parse("239.1.2.4/allow='fd78::/64'"))
        .hasMessageContaining("no prefix of the group's family");
    assertThatThrownBy(() -> parse("239.1.2.4/allow=nonsense"))
        .hasMessageContaining("allow entry 'nonsense'");
  }
}
