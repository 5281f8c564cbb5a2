package io.kubevde.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.netnode.PortLimits;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The agent's rate-limit flags (rendered by the chart from {@code agent.portLimits}) reach the
 * switches' {@link io.kubevde.agent.dataplane.SwitchLimits}; a bad value is a clear usage error.
 */
class AgentMainOptionsTest {
  private static AgentConfig parse(String... args) throws Exception {
    AgentMain main = new AgentMain();
    new CommandLine(main).parseArgs(args);
    return main.config();
  }

  @Test
  void defaultsAreTheDocumentedLimits() throws Exception {
    AgentConfig cfg = parse("--node-name=n1");
    assertThat(cfg.switchLimits().ports())
        .isEqualTo(new PortLimits(0, 0, 1000, PortLimits.DEFAULT_BURST_MS));
    assertThat(cfg.switchLimits().uplink().floodFramesPerSecond()).isEqualTo(20_000);
  }

  @Test
  void theChartsFlagsReachTheSwitchLimits() throws Exception {
    AgentConfig cfg =
        parse(
            "--node-name=n1",
            "--storm-pps=500",
            "--uplink-storm-pps=0",
            "--police-pps=20000",
            "--police-bps=125000000",
            "--burst-ms=50");
    assertThat(cfg.switchLimits().ports()).isEqualTo(new PortLimits(20000, 125_000_000, 500, 50));
    assertThat(cfg.switchLimits().uplink()).isEqualTo(new PortLimits(0, 0, 0, 50));
  }

  @Test
  void theDevicePluginIsOffByDefaultAndOpensTheRendezvousToEveryUserWhenOn() throws Exception {
    AgentConfig off = parse("--node-name=n1");
    assertThat(off.devicePluginDir()).isNull();
    assertThat(off.rendezvousMode()).isEqualTo(0600);
    AgentConfig on = parse("--node-name=n1", "--device-plugin-dir=/var/lib/kubelet/device-plugins");
    assertThat(on.devicePluginDir()).hasToString("/var/lib/kubelet/device-plugins");
    assertThat(on.rendezvousMode()).isEqualTo(0666);
    assertThat(on.switchLimits()).isEqualTo(off.switchLimits());
  }

  @Test
  void aNegativeRateIsRefusedNamingIt() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> parse("--storm-pps=-5"))
        .hasMessageContaining("-5");
  }
}
