package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.plugin.overlay.SenderPrefix;
import io.kubevde.vdeplug.vnl.VnlException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import org.junit.jupiter.api.Test;

class VxvdeConfigTest {

  private static VxvdeConfig parse(String arg) {
    return VxvdeConfig.parse("vxvde://" + arg, arg);
  }

  @Test
  void defaultsAreThoseOfVdeplug4() throws Exception {
    VxvdeConfig c = parse("");
    assertThat(c.group()).isEqualTo(InetAddress.getByName("239.0.0.1"));
    assertThat(c.port()).isEqualTo(14789);
    assertThat(c.vni()).isEqualTo(1);
    assertThat(c.ttl()).isEqualTo(1);
    assertThat(c.hashsize()).isEqualTo(1024);
    assertThat(c.expireMillis()).isEqualTo(128_000);
    assertThat(c.unicastMode()).isFalse();
    assertThat(parse("/v6").group()).isEqualTo(InetAddress.getByName("ff05:56de::1"));
    assertThat(parse("/v6").family()).isEqualTo(StandardProtocolFamily.INET6);
  }

  @Test
  void everyOptionIsParsed() throws Exception {
    VxvdeConfig c =
        parse(
            "239.1.2.3/port=14790/vni=42/ttl=3/rcvbuf=2M/hashsize=64/expiretime=10/if=lo/bind=127.0.0.1");
    assertThat(c.group()).isEqualTo(InetAddress.getByName("239.1.2.3"));
    assertThat(c.port()).isEqualTo(14790);
    assertThat(c.vni()).isEqualTo(42);
    assertThat(c.ttl()).isEqualTo(3);
    assertThat(c.rcvbuf()).isEqualTo(2L << 20);
    assertThat(c.hashsize()).isEqualTo(64);
    assertThat(c.expireMillis()).isEqualTo(10_000);
    assertThat(c.ifName()).isEqualTo("lo");
    assertThat(c.bind()).isEqualTo(InetAddress.getByName("127.0.0.1"));
  }

  @Test
  void keysMatchByPrefixInTableOrderSoVIsVni() {
    VxvdeConfig c = parse("239.1.2.3/v=7/p=15000/e=0");
    assertThat(c.vni()).isEqualTo(7);
    assertThat(c.port()).isEqualTo(15000);
    assertThat(c.expireMillis()).isEqualTo(128_000); // <= 0 means the default
    assertThat(c.family()).isEqualTo(StandardProtocolFamily.INET);
  }

  @Test
  void grpRewritesTheLastThreeGroupBytesAndSetsTheVni() throws Exception {
    VxvdeConfig c = parse("239.1.2.3/grp=1000");
    assertThat(c.group()).isEqualTo(InetAddress.getByName("239.0.3.232"));
    assertThat(c.vni()).isEqualTo(1000);
    VxvdeConfig v6 = parse("/v6/grp=1000/vni=5");
    assertThat(v6.group()).isEqualTo(InetAddress.getByName("ff05:56de::3e8"));
    assertThat(v6.vni()).isEqualTo(5);
    assertThat(parse("/grp=root").vni()).isZero();
  }

  @Test
  void unicastModeParsesIpv4Ipv6AndPortsSeparatedByCommas() throws Exception {
    VxvdeConfig c = parse("/peers=10.77.0.1,10.77.0.2:15000");
    assertThat(c.unicastMode()).isTrue();
    assertThat(c.group()).isNull();
    assertThat(c.peers())
        .containsExactly(
            new InetSocketAddress("10.77.0.1", 14789), new InetSocketAddress("10.77.0.2", 15000));
    VxvdeConfig six = parse("/port=15001/peers=fd77::1,[fd77::2]:15002");
    assertThat(six.family()).isEqualTo(StandardProtocolFamily.INET6);
    assertThat(six.peers())
        .containsExactly(
            new InetSocketAddress(InetAddress.getByName("fd77::1"), 15001),
            new InetSocketAddress(InetAddress.getByName("fd77::2"), 15002));
  }

  @Test
  void offloadIsOffByDefaultAndTakesTcpOrUdp() {
    assertThat(parse("").offload()).isFalse();
    assertThat(parse("/offload").offload()).isTrue();
    assertThat(parse("/offload").offloadUdp()).isFalse();
    assertThat(parse("239.1.2.3/offload=tcp").offloadUdp()).isFalse();
    assertThat(parse("/peers=10.0.0.1/offload=udp").offloadUdp()).isTrue();
    assertThatThrownBy(() -> parse("/offload=all"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("offload=all");
  }

  @Test
  void badInputNamesTheBadPart() {
    assertThatThrownBy(() -> parse("239.1.2.3/colour=red"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("colour");
    assertThatThrownBy(() -> parse("10.0.0.1"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("not a multicast group");
    assertThatThrownBy(() -> parse("239.1.2.3/peers=10.0.0.1"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("exclude");
    assertThatThrownBy(() -> parse("/peers=10.0.0.1,fd77::1"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("mix");
    assertThatThrownBy(() -> parse("/peers=10.0.0.1:99999"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("10.0.0.1:99999");
    assertThatThrownBy(() -> parse("/ttl=abc"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("ttl=abc");
    assertThatThrownBy(() -> parse("/vni=99999999"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("vni");
    assertThatThrownBy(() -> parse("/grp=no-such-group-kv"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("grp");
    assertThatThrownBy(() -> parse("/v6/v4")).isInstanceOf(VnlException.class);
  }

  @Test
  void allowTakesAQuotedOrPercentEncodedListOfPrefixesOfBothFamilies() {
    VxvdeConfig c = parse("239.1.2.3/allow='10.0.0.0/8, fd00::/8,192.168.1.7'");
    assertThat(c.allow())
        .extracting(SenderPrefix::toString)
        .containsExactly("10.0.0.0/8", "fd00:0:0:0:0:0:0:0/8", "192.168.1.7/32");
    assertThat(parse("/allow=10.0.0.0%2F8").allow())
        .extracting(SenderPrefix::toString)
        .containsExactly("10.0.0.0/8");
    assertThat(parse("").allow()).isEmpty();
    VxvdeConfig unicast = parse("/peers=10.77.0.2/allow=\"10.77.0.0/16\"");
    assertThat(unicast.unicastMode()).isTrue();
    assertThat(unicast.allow()).hasSize(1);
    assertThat(SenderFilter.of(unicast).verdict(new InetSocketAddress("10.77.0.2", 14789)))
        .isEqualTo(SenderFilter.Verdict.ACCEPT);
  }

  @Test
  void badAllowListsAreRefusedWithAHint() {
    assertThatThrownBy(() -> parse("/allow=10.0.0.0/8"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("'8'")
        .hasMessageContaining("quote the allow= list");
    assertThatThrownBy(() -> parse("/allow='fd00::/8'"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("no IPv4 prefix");
    assertThatThrownBy(() -> parse("/v6/allow='10.0.0.0/8'"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("no IPv6 prefix");
    assertThatThrownBy(() -> parse("/allow="))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> parse("/allow='10.0.0.0/40'"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("10.0.0.0/40");
    assertThatThrownBy(() -> parse("/allow=nodes.example"))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("literal");
  }
}
