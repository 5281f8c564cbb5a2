package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * C {@code vde_plug} clients (with C taps, each in its own network namespace) against a Java
 * hub/switch running in the test JVM (vde-protocols.md §3.5, §6, §11 row "vde (server)").
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class JavaNetnodeServesCClientsTest {

  @BeforeEach
  void root() {
    Requirements.assumeRootWithCTools();
    Requirements.assumeTools("iperf3");
  }

  @Test
  void cClientsPingAndTransferThroughJavaSwitch() throws Exception {
    Path tmp = Proc.tempDir("kvnode");
    Path dir = tmp.resolve("sw");
    try (NetnsPair ns = NetnsPair.create();
        Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        TwoTapsOverNode taps = new TwoTapsOverNode(ns, dir.toString(), "vde://" + dir)) {
      taps.assertPingAndTransfer();
      assertThat(node.ports()).hasSize(2);
      assertThat(node.ports())
          .allSatisfy(p -> assertThat(p.description()).startsWith("vdeplug: user=root pid="));
      assertThat(node.macTableSize()).isGreaterThanOrEqualTo(2);
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString()))
            .contains("ctl")
            .anyMatch(n -> n.startsWith("fd"));
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
    assertThat(dir).doesNotExist();
  }

  @Test
  void cClientsWithExplicitPortsPingThroughJavaHub() throws Exception {
    Path tmp = Proc.tempDir("kvnode");
    Path dir = tmp.resolve("hub");
    try (NetnsPair ns = NetnsPair.create();
        Netnode node = Netnode.open(NetnodeKind.HUB, NetnodeConfig.at(dir));
        TwoTapsOverNode taps =
            new TwoTapsOverNode(ns, "vde://" + dir + "[3]", "vde://" + dir + "[port=5]")) {
      taps.assertPingAndTransfer();
      assertThat(node.ports()).extracting(Netnode.PortInfo::id).containsExactlyInAnyOrder(3, 5);
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void clientLeavingRemovesItsPortAndSocket() throws Exception {
    Path tmp = Proc.tempDir("kvnode");
    Path dir = tmp.resolve("sw");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
        Proc c = Proc.start("vde_plug", List.of("vde_plug", "vde://" + dir, "null://"))) {
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> node.ports().size() == 1);
      c.close();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> node.ports().isEmpty());
      try (var files = Files.list(dir)) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("ctl");
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void port0RequestIsRefusedPromptlyNotHung() throws Exception {
    Path tmp = Proc.tempDir("kvnode");
    Path dir = tmp.resolve("sw");
    try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir))) {
      long t0 = System.nanoTime();
      Sh.Result r = Sh.exec("timeout", "20", "vde_plug", "vde://" + dir + "[0]", "null://");
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(r.exitCode()).as(r.output()).isNotIn(0, 124);
      assertThat(r.output()).contains("vde_open");
      assertThat(ms).isLessThan(10_000);
      assertThat(node.ports()).isEmpty();
      assertThat(node.requestStats().orElseThrow().malformedCount()).isEqualTo(1);
      // the node keeps serving after the refusal
      try (Proc ok = Proc.start("vde_plug", List.of("vde_plug", "vde://" + dir, "null://"))) {
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(20))
            .until(() -> node.ports().size() == 1);
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }

  @Test
  void staleDirectoryIsReusedAndLiveOneRefused() throws Exception {
    Path tmp = Proc.tempDir("kvnode");
    Path dir = tmp.resolve("sw");
    try {
      // a C switch killed with SIGKILL leaves its directory with a dead ctl socket
      Proc c = Proc.start("c-switch", List.of("vde_plug", "null://", "switch://" + dir));
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(() -> Files.exists(dir.resolve("ctl")));
      c.kill();
      assertThat(dir.resolve("ctl")).exists();
      try (Netnode node = Netnode.open(NetnodeKind.SWITCH, NetnodeConfig.at(dir));
          Proc client = Proc.start("vde_plug", List.of("vde_plug", "vde://" + dir, "null://"))) {
        org.awaitility.Awaitility.await()
            .atMost(java.time.Duration.ofSeconds(20))
            .until(() -> node.ports().size() == 1);
        assertThat(
                org.assertj.core.api.Assertions.catchThrowable(
                    () -> Netnode.open(NetnodeKind.HUB, NetnodeConfig.at(dir))))
            .isInstanceOf(java.io.IOException.class)
            .hasMessageContaining("in use");
      }
    } finally {
      Sh.exec("rm", "-rf", tmp.toString());
    }
  }
}
