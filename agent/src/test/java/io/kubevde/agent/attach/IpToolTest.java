package io.kubevde.agent.attach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class IpToolTest {
  @Test
  void namedNetnsPathsUseIpDashNOthersNsenter() {
    assertThat(IpTool.inNetns("/var/run/netns/cni-1234")).containsExactly("ip", "-n", "cni-1234");
    assertThat(IpTool.inNetns("/run/netns/abc")).containsExactly("ip", "-n", "abc");
    assertThat(IpTool.inNetns("/proc/42/ns/net"))
        .containsExactly("nsenter", "--net=/proc/42/ns/net", "ip");
    assertThat(IpTool.inNetns("/var/run/netns/a/b"))
        .containsExactly("nsenter", "--net=/var/run/netns/a/b", "ip");
  }

  @Test
  void aBatchLineWithACharacterIpInterpretsIsRefusedBeforeIpRuns() {
    IpTool ip = new IpTool(5_000);
    for (String bad :
        List.of(
            "link set dev net1 up # comment",
            "link set dev \"net1\" up",
            "link set dev net1 up\nlink del dev eth0",
            "link set dev net1 alias a\\b",
            "link set dev net1 alias 'x'")) {
      assertThatThrownBy(() -> ip.batchIn("/var/run/netns/none", List.of("link show", bad)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("refusing ip -batch line");
      assertThatThrownBy(() -> ip.batch(List.of(bad))).isInstanceOf(IllegalArgumentException.class);
    }
    IpTool.requireSafe(
        "link set dev net1 address 02:77:00:aa:bb:cc mtu 1450 alias kubevde/default%2Fblue/c0ffee");
    IpTool.requireSafe("addr add fd77::5/64 dev net1 nodad");
  }
}
