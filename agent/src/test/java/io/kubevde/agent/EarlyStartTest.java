package io.kubevde.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.agent.dataplane.DataPlane;
import io.kubevde.agent.dataplane.DataPlaneSettings;
import io.kubevde.agent.dataplane.SwitchLimits;
import io.kubevde.agent.handover.HandoverServer;
import io.kubevde.testing.Dirs;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * When the crash path's early start runs and when it leaves the start to the usual path
 * (agent/README.md "Crash path"). The restore of real taps is in {@code AgentCrashRestartTest}.
 */
class EarlyStartTest {
  @Test
  void noSavedSettingsHelpVersionOrSubcommandMeanNoEarlyStart() throws Exception {
    Path dir = Files.createTempDirectory("kvearly");
    try {
      Path state = dir.resolve("state");
      assertThat(EarlyStart.tryStart(new String[] {"--state-dir", state.toString()}, state))
          .as("first start: nothing saved")
          .isEmpty();
      settings(dir).save(state.resolve(DataPlaneSettings.FILE));
      for (String a : new String[] {"--help", "-V", "capture"}) {
        assertThat(EarlyStart.tryStart(new String[] {"--state-dir=" + state, a}, Path.of("/x")))
            .as(a)
            .isEmpty();
      }
      Optional<EarlyStart> e =
          EarlyStart.tryStart(new String[] {"--state-dir=" + state}, Path.of("/nonexistent"));
      assertThat(e).as("saved settings, no agent running").isPresent();
      DataPlane dp = e.get().dataPlaneFor(settings(dir));
      assertThat(dp).as("same flags: the restored data plane is used").isNotNull();
      assertThat(dp.networks()).isEmpty();
      dp.close();
      DataPlane other =
          EarlyStart.tryStart(new String[] {"--state-dir", state.toString()}, Path.of("/x"))
              .orElseThrow()
              .dataPlaneFor(
                  new DataPlaneSettings(
                      dir.resolve("run"), "10.1.1.1", null, SwitchLimits.DEFAULT, 0600, true));
      assertThat(other).as("other flags: rebuilt by the usual start").isNull();
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  @Test
  void aLiveAgentOnTheHandoverSocketIsLeftToTheHandover() throws Exception {
    Path dir = Files.createTempDirectory("kvearly");
    try {
      Path state = dir.resolve("state");
      settings(dir).save(state.resolve(DataPlaneSettings.FILE));
      Path sock = dir.resolve("run").resolve(HandoverServer.SOCKET);
      Files.createDirectories(sock.getParent());
      try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
        live.bind(UnixDomainSocketAddress.of(sock));
        assertThat(EarlyStart.listening(sock)).isTrue();
        assertThat(EarlyStart.tryStart(new String[] {"--state-dir", state.toString()}, state))
            .isEmpty();
      }
      assertThat(Files.exists(sock)).as("a killed agent's socket file stays").isTrue();
      assertThat(EarlyStart.listening(sock)).as("nobody listens on a stale file").isFalse();
      EarlyStart.tryStart(new String[] {"--state-dir", state.toString()}, state)
          .orElseThrow()
          .dataPlaneFor(settings(dir))
          .close();
    } finally {
      Dirs.deleteTree(dir);
    }
  }

  private static DataPlaneSettings settings(Path dir) {
    return new DataPlaneSettings(dir.resolve("run"), null, null, SwitchLimits.DEFAULT, 0600, true);
  }
}
