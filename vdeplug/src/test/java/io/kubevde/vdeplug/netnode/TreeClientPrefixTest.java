package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.netnode.stp.PortRole;
import io.kubevde.vdeplug.netnode.stp.SpanningTree;
import io.kubevde.vdeplug.netnode.stp.StpTimers;
import io.kubevde.vdeplug.testing.JavaCli;
import io.kubevde.vdeplug.testing.Proc;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's links are tree ports by their description ({@link
 * LoopProtectionConfig#treeClientPrefix}), but only when this very process connected them: a {@code
 * vde://} client of another process (a pod, a VM, a {@code vde_plug}) giving the same description
 * stays an edge port, so it cannot take part in the spanning tree (send superior BPDUs, become
 * root, block the uplink). No root needed.
 */
@Timeout(120)
class TreeClientPrefixTest {
  private static final String PREFIX = "kubevde link ";

  @TempDir Path tmp;

  private static Optional<SpanningTree.PortView> view(Netnode sw, int id) {
    return sw.loopProtection().orElseThrow().status().ports().stream()
        .filter(v -> v.id() == id)
        .findFirst();
  }

  private static int portDescribed(Netnode sw, String description) {
    return sw.ports().stream()
        .filter(p -> p.description().startsWith(description + " "))
        .mapToInt(Netnode.PortInfo::id)
        .findFirst()
        .orElse(-1);
  }

  @Test
  void onlyThisProcessesClientsBecomeTreePortsByTheirDescription() throws Exception {
    Path dir = tmp.resolve("sw");
    try (Netnode sw = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir))) {
      sw.enableLoopProtection(
          new LoopProtectionConfig(0x8000, 0x00ff_0000_0b01L, StpTimers.DEFAULT, true, PREFIX));
      List<Plug> mine = new ArrayList<>();
      try {
        mine.add(Plugs.open("vde://" + dir, OpenArgs.DEFAULT.withDescription(PREFIX + "own")));
        mine.add(Plugs.open("vde://" + dir, OpenArgs.DEFAULT.withDescription("a pod")));
        try (Proc other =
            Proc.start(
                "java-vde_plug",
                null,
                JavaCli.vdePlug("-D", PREFIX + "forged", "vde://" + dir, "null://"))) {
          long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          while (portDescribed(sw, PREFIX + "forged") < 0 && System.nanoTime() < deadline)
            Thread.sleep(100);
          assertThat(portDescribed(sw, PREFIX + "forged"))
              .as("the other process's client among %s; its output: %s", sw.ports(), other.output())
              .isPositive();
          int own = portDescribed(sw, PREFIX + "own");
          int pod = portDescribed(sw, "a pod");
          int forged = portDescribed(sw, PREFIX + "forged");
          assertThat(view(sw, own).orElseThrow().role())
              .as("this process's link client: a tree port")
              .isNotEqualTo(PortRole.EDGE);
          assertThat(view(sw, pod).orElseThrow().role())
              .as("a client without the prefix")
              .isEqualTo(PortRole.EDGE);
          assertThat(view(sw, forged).orElseThrow().role())
              .as("another process claiming the prefix: " + other.output())
              .isEqualTo(PortRole.EDGE);
        }
      } finally {
        for (Plug p : mine) p.close();
      }
    }
  }
}
