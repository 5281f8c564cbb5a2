package io.kubevde.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command runner tests rely on: status, merged output, failures that name the command, the time
 * limit.
 */
class ShTest {
  @Test
  void execReturnsStatusAndMergedOutput() {
    Sh.Result r = Sh.exec("sh", "-c", "echo out; echo err >&2; exit 3");
    assertThat(r.exitCode()).isEqualTo(3);
    assertThat(r.ok()).isFalse();
    assertThat(r.output()).contains("out\n").contains("err\n");
  }

  @Test
  void runFailsWithTheCommandItsStatusAndItsOutput() {
    assertThat(Sh.run("echo", "hello")).isEqualTo("hello\n");
    assertThatThrownBy(() -> Sh.run("sh", "-c", "echo broken; exit 2"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'sh -c echo broken; exit 2' exited 2")
        .hasMessageContaining("broken");
  }

  @Test
  void aCommandThatCannotStartIsAnError() {
    assertThatThrownBy(() -> Sh.exec("/nonexistent/kubevde-tool"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot run /nonexistent/kubevde-tool");
  }

  @Test
  void aCommandOverItsTimeLimitIsKilledAndAnError() {
    long t0 = System.nanoTime();
    assertThatThrownBy(() -> Sh.exec(Duration.ofMillis(300), List.of("sleep", "30")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("timed out");
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void stdinIsEmptySoACommandReadingItEnds() {
    assertThat(Sh.run("cat")).isEmpty();
  }

  @Test
  void hasFindsToolsOnThePathOnly() {
    assertThat(Sh.has("sh")).isTrue();
    assertThat(Sh.has("kubevde-no-such-tool")).isFalse();
  }

  @Test
  void deleteTreeRemovesEverythingBelowAndToleratesAMissingDir(@TempDir Path tmp) throws Exception {
    Path d = Files.createDirectories(tmp.resolve("a/b/c"));
    Files.writeString(d.resolve("f"), "x");
    Files.createSymbolicLink(tmp.resolve("a/link"), tmp.resolve("keep"));
    Files.writeString(tmp.resolve("keep"), "target");
    Dirs.deleteTree(tmp.resolve("a"));
    assertThat(tmp.resolve("a")).doesNotExist();
    assertThat(tmp.resolve("keep")).hasContent("target");
    Dirs.deleteTree(tmp.resolve("a"));
    Dirs.deleteTree(null);
  }
}
