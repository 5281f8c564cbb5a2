package io.kubevde.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** A missing tool fails a root run (naming the package) and skips only a non-root one. */
class HostTest {
  @Test
  void rootIsTheEffectiveUidOfTheJvm() {
    assertThat(Host.isRoot()).isEqualTo("0".equals(Sh.run("id", "-u").strip()));
  }

  @Test
  void aPresentToolPasses() {
    Host.requireTool("sh", "dash");
    Host.requireFile(Path.of("/bin/sh"), "dash");
  }

  @Test
  void aMissingToolFailsWhenRootAndSkipsOtherwiseNamingThePackage() {
    Class<? extends Throwable> expected =
        Host.isRoot() ? AssertionError.class : TestAbortedException.class;
    assertThatThrownBy(() -> Host.requireTool("kubevde-no-such-tool", "kubevde-pkg"))
        .isInstanceOf(expected)
        .hasMessageContaining("'kubevde-no-such-tool'")
        .hasMessageContaining("apt-get install kubevde-pkg");
    assertThatThrownBy(
            () -> Host.requireFile(Path.of("/nonexistent/plugin"), "containernetworking-plugins"))
        .isInstanceOf(expected)
        .hasMessageContaining("/nonexistent/plugin")
        .hasMessageContaining("apt-get install containernetworking-plugins");
  }
}
