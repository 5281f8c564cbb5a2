package io.kubevde.api.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.SwitchMode;
import io.kubevde.api.v1alpha1.Transport;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AgentNetworkConfigCodecTest {

  static AgentNetworkConfig multicast() {
    Uplink up = new Uplink(Transport.VXVDE, "239.77.0.1", List.of(), 14789, 4096, 10);
    return new AgentNetworkConfig(
        "default",
        "blue",
        "u-1",
        3L,
        Transport.VXVDE,
        up.sharedVnl(),
        4096,
        "239.77.0.1",
        14789,
        1450,
        SwitchMode.HUB,
        10,
        "02:77:00",
        Map.of("zone", "a"),
        List.of("lab", "tenant-b"),
        IpamType.HOST_LOCAL,
        "10.77.0.0/16",
        "10.77.0.1",
        List.of("10.77.1.0/24"),
        Map.of("node-1", new NodeRange("node-1", "10.77.16.0/20", "10.77.16.1", "10.77.31.254")),
        List.of());
  }

  @Test
  void roundTripGivesTheSameRecord() {
    AgentNetworkConfig cfg = multicast();
    assertThat(AgentNetworkConfigCodec.read(AgentNetworkConfigCodec.write(cfg))).isEqualTo(cfg);
    AgentNetworkConfig local = AgentNetworkConfig.local("lab/red");
    assertThat(AgentNetworkConfigCodec.read(AgentNetworkConfigCodec.write(local))).isEqualTo(local);
  }

  @Test
  void theNetworkRangeAndUnderlayCidrsRoundTripAndReachTheUplink() {
    AgentNetworkConfig p = multicast();
    AgentNetworkConfig cfg =
        new AgentNetworkConfig(
            p.namespace(),
            p.name(),
            p.uid(),
            p.generation(),
            p.transport(),
            p.uplink(),
            p.vni(),
            p.group(),
            p.port(),
            p.mtu(),
            p.switchMode(),
            p.vlan(),
            p.macPrefix(),
            p.nodeSelector(),
            p.allowedNamespaces(),
            p.ipamType(),
            p.subnet(),
            p.gateway(),
            p.exclude(),
            p.nodeRanges(),
            List.of("10.0.0.1"),
            null,
            "10.77.0.10",
            "10.77.200.254",
            List.of("10.0.0.0/8"));
    String json = AgentNetworkConfigCodec.write(cfg);
    assertThat(json)
        .contains("\"rangeStart\" : \"10.77.0.10\"")
        .contains("\"underlayCidrs\" : [ \"10.0.0.0/8\" ]");
    assertThat(AgentNetworkConfigCodec.read(json)).isEqualTo(cfg);
    assertThat(cfg.uplinkDescription().toVnl("10.0.0.1", null))
        .isEqualTo("vxvde://239.77.0.1/port=14789/vni=4096/allow='10.0.0.0/8'");
    assertThat(multicast().underlayCidrs()).isEmpty();
    assertThat(multicast().rangeStart()).isNull();
  }

  @Test
  void aSealedNetworkRoundTripsWithItsKeySecretAndOpensASealUplink() {
    AgentNetworkConfig plain = multicast();
    AgentNetworkConfig sealed =
        new AgentNetworkConfig(
            plain.namespace(),
            plain.name(),
            plain.uid(),
            plain.generation(),
            plain.transport(),
            null,
            plain.vni(),
            plain.group(),
            plain.port(),
            1418,
            plain.switchMode(),
            plain.vlan(),
            plain.macPrefix(),
            plain.nodeSelector(),
            plain.ipamType(),
            plain.subnet(),
            plain.gateway(),
            plain.exclude(),
            plain.nodeRanges(),
            plain.peers(),
            "vnet-key.default.blue");
    String json = AgentNetworkConfigCodec.write(sealed);
    assertThat(json).contains("\"keySecret\" : \"vnet-key.default.blue\"");
    AgentNetworkConfig back = AgentNetworkConfigCodec.read(json);
    assertThat(back).isEqualTo(sealed);
    assertThat(back.sealed()).isTrue();
    assertThat(back.uplinkDescription().toVnl(null, null, "/run/k"))
        .isEqualTo("seal:///run/k{vxvde://239.77.0.1/port=14789/vni=4096}");
    assertThat(plain.sealed()).isFalse();
    assertThat(AgentNetworkConfigCodec.write(plain)).doesNotContain("keySecret");
  }

  @Test
  void writesTheFieldNamesAgentsRead() {
    String json = AgentNetworkConfigCodec.write(multicast());
    assertThat(json)
        .contains(
            "\"transport\" : \"vxvde\"",
            "\"uplink\" : \"vxvde://239.77.0.1/port=14789/vni=4096\"",
            "\"switchMode\" : \"hub\"",
            "\"ipamType\" : \"host-local\"",
            "\"nodeRanges\"",
            "\"peers\" : [ ]",
            "\"macPrefix\" : \"02:77:00\"",
            "\"vlan\" : 10",
            "\"allowedNamespaces\" : [ \"lab\", \"tenant-b\" ]");
  }

  @Test
  void allowedNamespacesAdmitTheOwnNamespaceTheListedOnesOrAll() {
    AgentNetworkConfig cfg = multicast();
    assertThat(cfg.admits("default")).as("own namespace").isTrue();
    assertThat(cfg.admits("lab")).isTrue();
    assertThat(cfg.admits("tenant-a")).isFalse();
    assertThat(cfg.admits(null)).as("unknown namespace").isFalse();
    AgentNetworkConfig open =
        AgentNetworkConfigCodec.read(
            "{\"namespace\":\"ns\",\"name\":\"n\",\"allowedNamespaces\":[\"*\"]}");
    assertThat(open.allowedNamespaces()).containsExactly("*");
    assertThat(open.admits("anything")).isTrue();
    assertThat(open.admits(null)).isTrue();
    AgentNetworkConfig closed =
        AgentNetworkConfigCodec.read("{\"namespace\":\"ns\",\"name\":\"n\"}");
    assertThat(closed.allowedNamespaces()).as("absent reads as empty").isEmpty();
    assertThat(closed.admits("ns")).isTrue();
    assertThat(closed.admits("other")).isFalse();
    assertThat(AgentNetworkConfig.local("lab/red").admits("lab")).isTrue();
    assertThat(AgentNetworkConfig.local("lab/red").admits("default")).isFalse();
  }

  /**
   * The text the operator wrote before the record moved to crds (VdeNetworkReconciler, ConfigMap
   * vnet.default.blue).
   */
  @Test
  void readsAFileAsTheOperatorWritesIt() {
    String json =
        """
        {
          "namespace" : "default",
          "name" : "blue",
          "uid" : "6f1c2b9e-0000-4000-8000-000000000001",
          "generation" : 2,
          "transport" : "vxvde-unicast",
          "vni" : 4097,
          "group" : "239.77.0.2",
          "port" : 24789,
          "mtu" : 1400,
          "switchMode" : "learning",
          "nodeSelector" : { },
          "ipamType" : "host-local",
          "subnet" : "10.79.0.0/16",
          "gateway" : "10.79.0.1",
          "exclude" : [ ],
          "nodeRanges" : {
            "node-1" : { "node" : "node-1", "cidr" : "10.79.0.0/20", "rangeStart" : "10.79.0.2", "rangeEnd" : "10.79.15.254" },
            "node-2" : { "node" : "node-2", "cidr" : "10.79.16.0/20", "rangeStart" : "10.79.16.1", "rangeEnd" : "10.79.31.254" }
          },
          "peers" : [ "192.168.50.11", "192.168.50.12", "192.168.50.13" ],
          "someFutureKey" : {"ignored": true}
        }""";
    AgentNetworkConfig cfg = AgentNetworkConfigCodec.read(json);
    assertThat(cfg.key()).isEqualTo("default/blue");
    assertThat(cfg.effectiveTransport()).isEqualTo(Transport.VXVDE_UNICAST);
    assertThat(cfg.hub()).isFalse();
    assertThat(cfg.hostLocal()).isTrue();
    assertThat(cfg.mtu()).isEqualTo(1400);
    assertThat(cfg.nodeRange("node-2").cidr()).isEqualTo("10.79.16.0/20");
    assertThat(cfg.nodeRange("node-3")).isNull();
    assertThat(cfg.uplinkDescription().toVnl("192.168.50.12", "eth1"))
        .isEqualTo(
            "vxvde:///port=24789/vni=4097/bind=192.168.50.12/peers=192.168.50.11,192.168.50.13");
  }

  @Test
  void missingOptionalFieldsTakeTheirDefaults() {
    AgentNetworkConfig cfg = AgentNetworkConfigCodec.read("{\"namespace\":\"ns\",\"name\":\"n\"}");
    assertThat(cfg.effectiveTransport()).isEqualTo(Transport.VXVDE);
    assertThat(cfg.effectivePort()).isEqualTo(14789);
    assertThat(cfg.hub()).isFalse();
    assertThat(cfg.hostLocal()).isFalse();
    assertThat(cfg.peers()).isEmpty();
    assertThat(cfg.nodeSelector()).isEmpty();
    assertThat(cfg.uplinkDescription().toVnl(null, null))
        .as("no group, no VNI: no uplink")
        .isNull();
  }

  @Test
  void rejectsWhatIsNotANetworkConfig() {
    assertThatThrownBy(() -> AgentNetworkConfigCodec.read("{\"name\":\"n\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("namespace");
    assertThatThrownBy(
            () ->
                AgentNetworkConfigCodec.read(
                    "{\"namespace\":\"a\",\"name\":\"n\",\"transport\":\"carrier-pigeon\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("carrier-pigeon");
    assertThatThrownBy(() -> AgentNetworkConfigCodec.read("not json"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
