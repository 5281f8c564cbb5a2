package io.kubevde.agent.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.testing.Dirs;
import io.kubevde.vdeplug.netnode.PortLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The saved data plane settings of the crash path's early start (agent/README.md "Crash path"). */
class DataPlaneSettingsTest {
  @Test
  void savedSettingsReadBackEqual() throws Exception {
    Path dir = Files.createTempDirectory("kvdps");
    try {
      Path f = dir.resolve("state").resolve(DataPlaneSettings.FILE);
      DataPlaneSettings s =
          new DataPlaneSettings(
              dir.resolve("run"),
              "10.0.0.7",
              "eth1",
              new SwitchLimits(new PortLimits(5, 6000, 70, 300), new PortLimits(0, 0, 9000, 200)),
              0666,
              true,
              new EgressSettings(java.util.List.of("10.96.0.0/12", "10.244.0.0/16"), null));
      s.save(f);
      assertThat(DataPlaneSettings.load(f)).contains(s);
      DataPlaneSettings plain =
          new DataPlaneSettings(dir.resolve("run"), null, null, SwitchLimits.DEFAULT, 0600, false);
      plain.save(f);
      assertThat(DataPlaneSettings.load(f)).contains(plain);
      assertThat(DataPlaneSettings.load(f)).isNotEqualTo(java.util.Optional.of(s));
      assertThat(DataPlaneSettings.load(f).orElseThrow().egress())
          .isEqualTo(EgressSettings.DEFAULT);
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  @Test
  void aMissingOrBadFileGivesNoSettings() throws Exception {
    Path dir = Files.createTempDirectory("kvdps");
    try {
      Path f = dir.resolve(DataPlaneSettings.FILE);
      assertThat(DataPlaneSettings.load(f)).isEmpty();
      Files.writeString(f, "runDir=/run/kubevde\ncachedNetworks=true\nports.pps=-1\n");
      assertThat(DataPlaneSettings.load(f)).as("negative rate").isEmpty();
      Files.writeString(f, "cachedNetworks=true\n");
      assertThat(DataPlaneSettings.load(f)).as("no runDir").isEmpty();
      Files.writeString(f, "\u0000\u0001garbage");
      assertThat(DataPlaneSettings.load(f)).as("garbage").isEmpty();
    } finally {
      Dirs.deleteTree(dir);
    }
  }
}
