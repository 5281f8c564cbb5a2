package io.kubevde.agent.attach;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class IpToolTest {
    @Test
    void namedNetnsPathsUseIpDashNOthersNsenter() {
        assertThat(IpTool.inNetns("/var/run/netns/cni-1234")).containsExactly("ip", "-n", "cni-1234");
        assertThat(IpTool.inNetns("/run/netns/abc")).containsExactly("ip", "-n", "abc");
        assertThat(IpTool.inNetns("/proc/42/ns/net")).containsExactly("nsenter", "--net=/proc/42/ns/net", "ip");
        assertThat(IpTool.inNetns("/var/run/netns/a/b")).containsExactly("nsenter", "--net=/var/run/netns/a/b", "ip");
    }
}
