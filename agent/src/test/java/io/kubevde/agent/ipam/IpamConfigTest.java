package io.kubevde.agent.ipam;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.IpamConfig;
import io.kubevde.agent.model.NetConf;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.api.net.Cidr;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.Json;
import io.kubevde.testing.Dirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The IPv4 rule of {@link IpamConfig#allocatable}: no address ending in .0 or .255 is ever handed
 * out.
 */
class IpamConfigTest {
  @Test
  void blockInsideALargerSubnetNeverHandsOutDotZeroOrDot255() throws Exception {
    Path dir = Files.createTempDirectory("kvipam");
    try {
      IpAllocator alloc = new IpAllocator(dir);
      NetConf conf =
          NetConf.parse(
              Json.parseObject(
                  """
                    {"cniVersion":"1.1.0","name":"n","ipam":{"subnet":"10.79.0.0/16","rangeStart":"10.79.16.0",
                     "rangeEnd":"10.79.17.255"}}"""));
      List<String> got = new ArrayList<>();
      for (int i = 0; ; i++) {
        try {
          got.add(
              alloc.allocate(conf, new AttachmentKey("n", "c" + i, "net1")).getFirst().toString());
        } catch (CniError.Failure f) {
          assertThat(f.error().code()).isEqualTo(CniError.POOL_EXHAUSTED);
          break;
        }
      }
      assertThat(got.getFirst()).isEqualTo("10.79.16.1/16");
      assertThat(got).hasSize(512 - 4).noneMatch(s -> s.matches(".*\\.(0|255)/16"));
      assertThatThrownBy(() -> alloc.allocate(conf, new AttachmentKey("n", "x", "net1")))
          .isInstanceOf(CniError.Failure.class);
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  @Test
  void ipv6IsUnaffected() {
    IpamConfig c = IpamConfig.parse(Json.parseObject("{\"subnet\":\"fd77::/120\"}"));
    assertThat(c.allocatable(Cidr.parse("fd77::ff/120").address())).isTrue();
    assertThat(c.allocatable(Cidr.parse("fd77::100/120").address())).isFalse();
  }

  @Test
  void anOperatorNetworkGivesThisNodeItsOwnBlock() {
    var net =
        AgentNetworkConfigCodec.read(
            """
                {"namespace":"default","name":"blue","transport":"local","ipamType":"host-local","subnet":"10.79.0.0/16",
                 "gateway":"10.79.0.1","exclude":["10.79.16.8/29"],
                 "nodeRanges":{"n1":{"node":"n1","cidr":"10.79.16.0/20","rangeStart":"10.79.16.2"},
                               "n2":{"node":"n2","cidr":"10.79.32.0/20"}}}""");
    IpamConfig n1 = IpamConfig.forNode(net, "n1");
    assertThat(Cidr.format(n1.rangeStart(), false)).isEqualTo("10.79.16.2");
    assertThat(Cidr.format(n1.rangeEnd(), false)).isEqualTo("10.79.31.255");
    assertThat(n1.gateway().toString()).isEqualTo("10.79.0.1/16");
    assertThat(n1.allocatable(Cidr.parse("10.79.16.9").address())).as("excluded").isFalse();
    assertThat(n1.allocatable(Cidr.parse("10.79.32.5").address())).as("n2's block").isFalse();
    IpamConfig n2 = IpamConfig.forNode(net, "n2");
    assertThat(Cidr.format(n2.rangeStart(), false)).isEqualTo("10.79.32.0");
    assertThat(n2.allocatable(Cidr.parse("10.79.32.5").address())).isTrue();
    assertThat(
            IpamConfig.forNode(
                AgentNetworkConfigCodec.read("{\"namespace\":\"a\",\"name\":\"b\"}"), "n1"))
        .as("no host-local IPAM")
        .isNull();
  }

  @Test
  void aDualStackConfigGivesOneAddressOfEachFamilyWithItsOwnCursorAndGateway() throws Exception {
    Path dir = Files.createTempDirectory("kvipam");
    try {
      IpAllocator alloc = new IpAllocator(dir);
      String ipam =
          "\"ipam\":{\"subnet\":\"10.79.8.0/29\",\"gateway\":\"10.79.8.1\","
              + "\"subnets\":[{\"subnet\":\"fd79::/126\",\"gateway\":\"fd79::1\"}]}";
      NetConf conf = conf(ipam, null);
      assertThat(conf.ipam().gateway(false).ip()).isEqualTo("10.79.8.1");
      assertThat(conf.ipam().gateway(true).ip()).isEqualTo("fd79::1");
      assertThat(alloc.allocate(conf, new AttachmentKey("ds", "a", "net1")))
          .extracting(Object::toString)
          .containsExactly("10.79.8.2/29", "fd79::2/126");
      assertThat(alloc.allocate(conf, new AttachmentKey("ds", "b", "net1")))
          .extracting(Object::toString)
          .containsExactly("10.79.8.3/29", "fd79::3/126");
      assertThat(Files.readString(dir.resolve("default%2Fds/last_reserved_ip.0")))
          .isEqualTo("10.79.8.3");
      assertThat(Files.readString(dir.resolve("default%2Fds/last_reserved_ip.1")))
          .isEqualTo("fd79::3");
      // a static request gives exactly the requested addresses, each checked in its family
      assertThat(alloc.allocate(conf(ipam, "10.79.8.6"), new AttachmentKey("ds", "c", "net1")))
          .extracting(Object::toString)
          .containsExactly("10.79.8.6/29");
      assertThatThrownBy(
              () -> alloc.allocate(conf(ipam, "fd79::1"), new AttachmentKey("ds", "d", "net1")))
          .isInstanceOfSatisfying(
              CniError.Failure.class, f -> assertThat(f.error().msg()).contains("is the gateway"));
      assertThatThrownBy(
              () -> alloc.allocate(conf(ipam, "fd79::3"), new AttachmentKey("ds", "d", "net1")))
          .isInstanceOfSatisfying(
              CniError.Failure.class, f -> assertThat(f.error().msg()).contains("already in use"));
      // the IPv6 range (fd79::2..3) is full: the ADD fails whole, its IPv4 address is released
      assertThatThrownBy(() -> alloc.allocate(conf, new AttachmentKey("ds", "e", "net1")))
          .isInstanceOfSatisfying(
              CniError.Failure.class,
              f -> {
                assertThat(f.error().code()).isEqualTo(CniError.POOL_EXHAUSTED);
                assertThat(f.error().msg()).contains("fd79::/126");
              });
      assertThat(alloc.reserved("default/ds"))
          .containsExactlyInAnyOrder("10.79.8.2", "10.79.8.3", "10.79.8.6", "fd79::2", "fd79::3");
      assertThatThrownBy(
              () ->
                  IpamConfig.parse(
                      Json.parseObject(
                          "{\"subnet\":\"10.1.0.0/24\",\"subnets\":[{\"subnet\":\"10.2.0.0/24\"}]}")))
          .hasMessageContaining("at most one subnet per address family");
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  private static NetConf conf(String ipam, String ip) {
    return NetConf.parse(
        Json.parseObject(
            "{\"cniVersion\":\"1.1.0\",\"name\":\"ds\",\"network\":\"default/ds\","
                + ipam
                + (ip == null ? "" : ",\"runtimeConfig\":{\"ips\":[\"" + ip + "\"]}")
                + "}"));
  }

  @Test
  void anOperatorDualStackNetworkGivesThisNodeItsBlockOfEachSubnet() {
    IpamConfig c =
        IpamConfig.forNode(
            AgentNetworkConfigCodec.read(
                """
                {"namespace":"default","name":"ds","transport":"local","ipamType":"host-local",
                 "subnet":"10.79.0.0/16","gateway":"10.79.0.1","routes":[{"dst":"fd99::/64"}],
                 "nodeRanges":{"n1":{"node":"n1","cidr":"10.79.0.0/20"},"n2":{"node":"n2","cidr":"10.79.16.0/20"}},
                 "subnets":[{"subnet":"fd79::/64","gateway":"fd79::1",
                   "nodeRanges":{"n1":{"node":"n1","cidr":"fd79::/68"},"n2":{"node":"n2","cidr":"fd79:0:0:0:1000::/68"}}}]}"""),
            "n1");
    assertThat(c.families()).hasSize(2);
    IpamConfig v6 = c.family(true);
    assertThat(Cidr.format(v6.rangeStart(), true)).isEqualTo("fd79::1");
    assertThat(Cidr.format(v6.rangeEnd(), true)).isEqualTo("fd79::fff:ffff:ffff:ffff");
    assertThat(v6.gateway().ip()).isEqualTo("fd79::1");
    assertThat(v6.staticRefusal(Cidr.parse("fd79::1000:0:0:5/64")))
        .contains("inside node n2's address block");
    assertThat(c.family(false).staticRefusal(Cidr.parse("10.79.17.5/16"))).contains("node n2");
    assertThat(c.routes())
        .singleElement()
        .satisfies(r -> assertThat(r.get("dst")).isEqualTo("fd99::/64"));
    assertThat(c.gateway(true).ip())
        .as("the route's next hop: the IPv6 gateway")
        .isEqualTo("fd79::1");
  }
}
