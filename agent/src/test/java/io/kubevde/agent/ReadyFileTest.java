package io.kubevde.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.testing.Dirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@link ReadyFile}: the file an exec readiness probe looks at follows the agent's readiness. */
class ReadyFileTest {
  @Test
  void theFileExistsExactlyWhileReadyAndIsGoneAfterClose() throws Exception {
    Path dir = Files.createTempDirectory("kvready");
    Path file = dir.resolve("ready");
    AtomicBoolean ready = new AtomicBoolean(false);
    try (ReadyFile r = ReadyFile.start(file, ready::get, 50)) {
      Awaitility.await()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !Files.exists(file));
      ready.set(true);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(file));
      ready.set(false); // e.g. handed over to a new agent
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !Files.exists(file));
      ready.set(true);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(file));
    } finally {
      assertThat(file).as("close removes the file").doesNotExist();
      Dirs.deleteTree(dir);
    }
  }
}
