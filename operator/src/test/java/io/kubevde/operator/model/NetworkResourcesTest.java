package io.kubevde.operator.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.api.v1alpha1.Ipam;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ConfigMap the operator writes is what the agent reads: one record, one codec, one uplink
 * builder.
 */
class NetworkResourcesTest {
  private static VdeNetwork network(Transport t) {
    VdeNetwork n = new VdeNetwork();
    n.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace("default")
            .withName("blue")
            .withUid("u-1")
            .withGeneration(4L)
            .build());
    n.setSpec(
        new VdeNetworkSpec(
            t,
            null,
            null,
            24789,
            1400,
            Map.of("zone", "a"),
            new Ipam(null, "10.79.0.0/16", null, null, "10.79.0.1", List.of("10.79.1.0/24"), 20),
            null,
            30,
            null));
    return n;
  }

  private static AgentNetworkConfig readBack(AgentNetworkConfig cfg) {
    ConfigMap cm = NetworkResources.configMap("kubevde-system", cfg);
    assertThat(cm.getMetadata().getName()).isEqualTo("vnet.default.blue");
    return AgentNetworkConfigCodec.read(cm.getData().get(Names.CONFIG_KEY));
  }

  @Test
  void aMulticastNetworkReadsBackWithItsUplink() {
    List<NodeRange> ranges =
        List.of(new NodeRange("node-1", "10.79.0.0/20", "10.79.0.2", "10.79.15.254"));
    AgentNetworkConfig cfg =
        NetworkResources.agentConfig(
            network(Transport.VXVDE),
            4100,
            "239.77.0.5",
            ranges,
            List.of("192.168.50.12", "192.168.50.11"));
    AgentNetworkConfig read = readBack(cfg);
    assertThat(read).isEqualTo(cfg);
    assertThat(read.uplink())
        .isEqualTo("vxvde://239.77.0.5/port=24789/vni=4100/allow=192.168.50.11,192.168.50.12");
    assertThat(read.uplinkDescription().toVnl("192.168.50.11", "eth1"))
        .isEqualTo(
            "vxvde://239.77.0.5/port=24789/vni=4100/allow=192.168.50.11,192.168.50.12/if=eth1");
    assertThat(read.uplinkDescription().vlan()).isEqualTo(30);
    assertThat(read.peers())
        .as("multicast: the only accepted senders")
        .containsExactly("192.168.50.11", "192.168.50.12");
    assertThat(read.nodeRange("node-1").rangeStart()).isEqualTo("10.79.0.2");
    assertThat(read.hostLocal()).isTrue();
    assertThat(read.exclude()).containsExactly("10.79.1.0/24");
    assertThat(read.allowedNamespaces()).as("none given: only the network's namespace").isEmpty();
  }

  @Test
  void allowedNamespacesReachTheAgent() {
    VdeNetwork n = network(Transport.VXVDE);
    VdeNetworkSpec s = n.getSpec();
    n.setSpec(
        new VdeNetworkSpec(
            s.transport(),
            s.vni(),
            s.group(),
            s.port(),
            s.mtu(),
            s.nodeSelector(),
            List.of("lab", "tenant-b"),
            s.ipam(),
            s.switchMode(),
            s.vlan(),
            s.macPrefix()));
    AgentNetworkConfig read =
        readBack(NetworkResources.agentConfig(n, 4100, "239.77.0.5", List.of(), List.of()));
    assertThat(read.allowedNamespaces()).containsExactly("lab", "tenant-b");
    assertThat(read.admits("lab")).isTrue();
    assertThat(read.admits("tenant-a")).isFalse();
  }

  @Test
  void underlayCidrsReplaceTheNodeAddressesAsMulticastSendersAndTheRangeIsPublished() {
    VdeNetwork n = network(Transport.VXVDE);
    VdeNetworkSpec s = n.getSpec();
    n.setSpec(
        new VdeNetworkSpec(
            s.transport(),
            s.vni(),
            s.group(),
            s.port(),
            s.mtu(),
            s.nodeSelector(),
            new Ipam(
                null, "10.79.0.0/16", "10.79.0.10", "10.79.199.254", "10.79.0.1", List.of(), 20),
            s.switchMode(),
            s.vlan(),
            s.macPrefix()));
    AgentNetworkConfig read =
        readBack(
            NetworkResources.agentConfig(
                n,
                4100,
                "239.77.0.5",
                null,
                List.of(),
                List.of("192.168.50.11"),
                List.of("192.168.50.0/24", "10.1.0.0/16")));
    assertThat(read.underlayCidrs()).containsExactly("192.168.50.0/24", "10.1.0.0/16");
    assertThat(read.uplink())
        .isEqualTo("vxvde://239.77.0.5/port=24789/vni=4100/allow='192.168.50.0/24,10.1.0.0/16'");
    assertThat(read.rangeStart()).isEqualTo("10.79.0.10");
    assertThat(read.rangeEnd()).isEqualTo("10.79.199.254");
    // a unicast network keeps checking its peers: no underlay CIDRs in its config
    assertThat(
            readBack(
                    NetworkResources.agentConfig(
                        network(Transport.VXVDE_UNICAST),
                        4101,
                        null,
                        null,
                        List.of(),
                        List.of("192.168.50.11"),
                        List.of("192.168.50.0/24")))
                .underlayCidrs())
        .isEmpty();
  }

  @Test
  void aUnicastNetworkGivesEachNodeTheOtherNodesAsPeers() {
    AgentNetworkConfig read =
        readBack(
            NetworkResources.agentConfig(
                network(Transport.VXVDE_UNICAST),
                4101,
                null,
                List.of(),
                List.of("192.168.50.13", "192.168.50.11", "192.168.50.12")));
    assertThat(read.uplink()).as("node-dependent: not written").isNull();
    assertThat(read.peers()).containsExactly("192.168.50.11", "192.168.50.12", "192.168.50.13");
    assertThat(read.uplinkDescription().toVnl("192.168.50.12", null))
        .isEqualTo(
            "vxvde:///port=24789/vni=4101/bind=192.168.50.12/peers=192.168.50.11,192.168.50.13");
  }

  @Test
  void aDualStackNetworkWritesEachSubnetWithItsOwnBlocksAndTheRoutes() {
    VdeNetwork n = network(Transport.VXVDE);
    VdeNetworkSpec s = n.getSpec();
    n.setSpec(
        new VdeNetworkSpec(
            s.transport(),
            s.vni(),
            s.group(),
            s.port(),
            s.mtu(),
            s.nodeSelector(),
            new Ipam(
                null,
                "10.79.0.0/16",
                null,
                null,
                "10.79.0.1",
                null,
                20,
                List.of(
                    new io.kubevde.api.v1alpha1.IpamSubnet(
                        "fd79::/64", null, null, "fd79::1", List.of("fd79::100/120"), 68)),
                List.of(new io.kubevde.api.v1alpha1.IpamRoute("fd99::/64", null))),
            s.switchMode(),
            s.vlan(),
            s.macPrefix()));
    List<NodeRange> ranges =
        List.of(
            new NodeRange("node-1", "10.79.0.0/20", "10.79.0.1", "10.79.15.255"),
            new NodeRange("node-1", "fd79::/68", "fd79::1", "fd79::fff:ffff:ffff:ffff"));
    AgentNetworkConfig read =
        readBack(NetworkResources.agentConfig(n, 4100, "239.77.0.5", ranges, List.of()));
    assertThat(read.nodeRange("node-1").cidr()).isEqualTo("10.79.0.0/20");
    assertThat(read.subnets())
        .singleElement()
        .satisfies(
            sub -> {
              assertThat(sub.subnet()).isEqualTo("fd79::/64");
              assertThat(sub.gateway()).isEqualTo("fd79::1");
              assertThat(sub.exclude()).containsExactly("fd79::100/120");
              assertThat(sub.nodeRanges().get("node-1").cidr()).isEqualTo("fd79::/68");
            });
    assertThat(read.routes()).extracting(r -> r.dst()).containsExactly("fd99::/64");
  }
}
