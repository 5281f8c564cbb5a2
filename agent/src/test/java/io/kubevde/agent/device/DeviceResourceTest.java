package io.kubevde.agent.device;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DeviceResourceTest {
  private static final Path DIR = Path.of("/run/kubevde/net/demo/blue");

  @Test
  void aNetworkIsOneResourceNamedAfterNamespaceAndName() {
    DeviceResource r = DeviceResource.forNetwork("demo/blue", DIR).orElseThrow();
    assertThat(r.resourceName()).isEqualTo("vde.kubevde.io/demo.blue");
    assertThat(r.endpoint()).isEqualTo("vde-demo.blue.sock");
    assertThat(r.containerPath()).isEqualTo("/run/vde/demo.blue");
    assertThat(r.envName()).isEqualTo("VDE_SOCKET_DEMO_BLUE");
    assertThat(r.deviceId(7)).isEqualTo("demo.blue-7");
    assertThat(r.hostDirectory()).isEqualTo(DIR);
  }

  @Test
  void sameNameInTwoNamespacesGivesTwoResources() {
    assertThat(DeviceResource.forNetwork("a/net", DIR).orElseThrow().resourceName())
        .isNotEqualTo(DeviceResource.forNetwork("b/net", DIR).orElseThrow().resourceName());
  }

  @Test
  void dottedAndDashedNamesMakeValidVariableNames() {
    assertThat(DeviceResource.forNetwork("team-1/red.net-2", DIR).orElseThrow().envName())
        .isEqualTo("VDE_SOCKET_TEAM_1_RED_NET_2");
  }

  @Test
  void keysThatCannotNameAResourceAreRefused() {
    assertThat(DeviceResource.forNetwork(null, DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("noslash", DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("a/b/c", DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("/blue", DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("demo/", DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("Demo/blue", DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("demo/../x", DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("demo/a b", DIR)).isEmpty();
    // ns.name over 63 characters: not a qualified name
    assertThat(DeviceResource.forNetwork("n/" + "x".repeat(62), DIR)).isEmpty();
    assertThat(DeviceResource.forNetwork("n/" + "x".repeat(61), DIR)).isPresent();
  }
}
