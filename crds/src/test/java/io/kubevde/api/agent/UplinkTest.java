package io.kubevde.api.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.api.v1alpha1.Transport;
import java.util.List;
import org.junit.jupiter.api.Test;

class UplinkTest {
  @Test
  void multicastIsTheSameOnEveryNodePlusTheInterface() {
    Uplink u = new Uplink(Transport.VXVDE, "239.77.0.1", List.of(), 14789, 4096, null);
    assertThat(u.sharedVnl()).isEqualTo("vxvde://239.77.0.1/port=14789/vni=4096");
    assertThat(u.toVnl("10.0.0.1", "eth1"))
        .isEqualTo("vxvde://239.77.0.1/port=14789/vni=4096/if=eth1");
    assertThat(u.toVnl("10.0.0.1", "")).isEqualTo(u.sharedVnl());
  }

  @Test
  void multicastWithNodeAddressesAcceptsOnlyThoseSenders() {
    Uplink u =
        new Uplink(
            Transport.VXVDE, "239.77.0.1", List.of("10.0.0.1", "10.0.0.2"), 14789, 4096, null);
    assertThat(u.toVnl("10.0.0.1", "eth1"))
        .isEqualTo("vxvde://239.77.0.1/port=14789/vni=4096/allow=10.0.0.1,10.0.0.2/if=eth1");
    assertThat(u.sharedVnl())
        .isEqualTo("vxvde://239.77.0.1/port=14789/vni=4096/allow=10.0.0.1,10.0.0.2");
  }

  @Test
  void multicastWithUnderlayCidrsAcceptsSendersInsideThemInsteadOfTheNodes() {
    Uplink u =
        new Uplink(
            Transport.VXVDE,
            "239.77.0.1",
            List.of("10.0.0.1", "10.0.0.2"),
            14789,
            4096,
            null,
            false,
            List.of("10.0.0.0/16", "192.168.5.0/24"));
    assertThat(u.senders()).containsExactly("10.0.0.0/16", "192.168.5.0/24");
    assertThat(u.toVnl("10.0.0.1", "eth1"))
        .isEqualTo(
            "vxvde://239.77.0.1/port=14789/vni=4096/allow='10.0.0.0/16,192.168.5.0/24'/if=eth1");
    // the quoted list is one option for vdeplug's VNL parser (a bare '/' would start a new option)
    assertThat(
            new Uplink(
                    Transport.VXVDE_UNICAST,
                    null,
                    List.of("10.0.0.1", "10.0.0.2"),
                    14789,
                    7,
                    null,
                    false,
                    List.of("10.0.0.0/16"))
                .toVnl("10.0.0.1", null))
        .as("unicast keeps its peers")
        .isEqualTo("vxvde:///port=14789/vni=7/bind=10.0.0.1/peers=10.0.0.2");
  }

  @Test
  void unicastReplicatesToTheOtherNodesOnly() {
    Uplink u =
        new Uplink(
            Transport.VXVDE_UNICAST,
            null,
            List.of("127.0.0.1", "127.0.0.2", "127.0.0.3"),
            24789,
            7,
            100);
    assertThat(u.sharedVnl()).as("depends on the node").isNull();
    assertThat(u.toVnl("127.0.0.2", "eth1"))
        .isEqualTo("vxvde:///port=24789/vni=7/bind=127.0.0.2/peers=127.0.0.1,127.0.0.3");
    assertThat(u.toVnl(null, null))
        .isEqualTo("vxvde:///port=24789/vni=7/peers=127.0.0.1,127.0.0.2,127.0.0.3");
    assertThat(
            new Uplink(Transport.VXVDE_UNICAST, null, List.of("127.0.0.1"), 24789, 7, null)
                .toVnl("127.0.0.1", null))
        .as("alone: no uplink")
        .isNull();
  }

  @Test
  void localHasNone() {
    assertThat(
            new Uplink(Transport.LOCAL, "239.77.0.1", List.of("a"), 1, 2, null).toVnl("a", "eth0"))
        .isNull();
  }

  @Test
  void sealedWrapsThePlainVnlAndIsNeverOpenedWithoutAKeyFile() {
    Uplink u = new Uplink(Transport.VXVDE, "239.77.0.1", List.of(), 14789, 4096, null, true);
    assertThat(u.toVnl(null, "eth1", "/run/kubevde/keys/vnet-key.default.blue.key"))
        .isEqualTo(
            "seal:///run/kubevde/keys/vnet-key.default.blue.key{vxvde://239.77.0.1/port=14789/vni=4096/if=eth1}");
    assertThat(u.toVnl(null, "eth1")).as("no key file: no uplink, never a plain one").isNull();
    assertThat(u.sharedVnl()).as("the key file is the node's").isNull();
    Uplink unicast =
        new Uplink(
            Transport.VXVDE_UNICAST, null, List.of("127.0.0.1", "127.0.0.2"), 24789, 7, null, true);
    assertThat(unicast.toVnl("127.0.0.1", null, "/k"))
        .isEqualTo("seal:///k{vxvde:///port=24789/vni=7/bind=127.0.0.1/peers=127.0.0.2}");
    assertThat(unicast.toVnl("127.0.0.1", null, "/k").replaceFirst("^seal:///k\\{(.*)}$", "$1"))
        .isEqualTo(
            new Uplink(
                    Transport.VXVDE_UNICAST,
                    null,
                    List.of("127.0.0.1", "127.0.0.2"),
                    24789,
                    7,
                    null)
                .toVnl("127.0.0.1", null));
  }

  @Test
  void vxlanIsAnRfc7348GroupOnPort4789WithTheTtlForRouters() {
    AgentNetworkConfig cfg =
        AgentNetworkConfigCodec.read(
            """
            {"namespace":"lab","name":"vx","transport":"vxlan","vni":42,"group":"239.77.0.9",
             "ttl":16,"peers":["10.0.0.1","10.0.0.2"],"underlayCidrs":["10.0.0.0/16"]}""");
    assertThat(cfg.effectivePort()).as("vxlan's default port").isEqualTo(4789);
    Uplink u = cfg.uplinkDescription();
    assertThat(u.sharedVnl())
        .as("senders: the underlay CIDRs, not the nodes (kernel and hardware VTEPs join)")
        .isEqualTo("vxlan://239.77.0.9/port=4789/vni=42/ttl=16/allow='10.0.0.0/16'");
    assertThat(u.toVnl("10.0.0.1", "eth1"))
        .isEqualTo("vxlan://239.77.0.9/port=4789/vni=42/ttl=16/allow='10.0.0.0/16'/if=eth1");
    assertThat(
            new Uplink(Transport.VXLAN, "239.77.0.9", List.of("10.0.0.1"), 4789, 42, null)
                .sharedVnl())
        .as("without underlay CIDRs any sender, never only the nodes")
        .isEqualTo("vxlan://239.77.0.9/port=4789/vni=42");
    assertThat(AgentNetworkConfigCodec.read(AgentNetworkConfigCodec.write(cfg)).ttl())
        .as("ttl survives network.json")
        .isEqualTo(16);
    assertThat(
            new Uplink(Transport.VXLAN, "239.77.0.9", List.of(), 4789, 42, 7, true, List.of())
                .toVnl("10.0.0.1", null, "/run/kubevde/keys/k"))
        .as("sealed vxlan")
        .isEqualTo("seal:///run/kubevde/keys/k{vxlan://239.77.0.9/port=4789/vni=42}");
    assertThat(new Uplink(Transport.VXLAN, null, List.of(), 4789, 42, null).toVnl("10.0.0.1", null))
        .as("no group allocated yet: no uplink")
        .isNull();
  }

  @Test
  void ttlGoesIntoEveryVxvdeUplink() {
    Uplink multicast =
        new Uplink(
            Transport.VXVDE, "239.77.0.1", List.of(), 14789, 4096, null, false, List.of(), 4);
    assertThat(multicast.sharedVnl()).isEqualTo("vxvde://239.77.0.1/port=14789/vni=4096/ttl=4");
    Uplink unicast =
        new Uplink(
            Transport.VXVDE_UNICAST,
            null,
            List.of("10.0.0.1", "10.0.0.2"),
            14789,
            7,
            null,
            false,
            List.of(),
            4);
    assertThat(unicast.toVnl("10.0.0.1", null))
        .isEqualTo("vxvde:///port=14789/vni=7/ttl=4/bind=10.0.0.1/peers=10.0.0.2");
  }
}
