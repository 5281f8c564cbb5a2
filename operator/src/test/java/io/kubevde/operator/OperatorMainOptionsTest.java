package io.kubevde.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The operator's negatable switches mean what they say ({@code --no-leader-election} is what the
 * local cluster harness and the chart's {@code operator.leaderElection.enabled=false} pass):
 * picocli 4.7 inverts a true-by-default negatable option that has no fallback value.
 */
class OperatorMainOptionsTest {

  private static OperatorMain parse(String... args) {
    OperatorMain m = new OperatorMain();
    new CommandLine(m).parseArgs(args);
    return m;
  }

  @Test
  void leaderElectionFollowsTheFlag() {
    assertEquals(true, parse().leaderElection, "default");
    assertEquals(false, parse("--no-leader-election").leaderElection, "--no-leader-election");
    assertEquals(true, parse("--leader-election").leaderElection, "--leader-election");
  }

  @Test
  void multusFollowsTheFlag() {
    assertEquals(false, parse("--no-multus").multus, "--no-multus");
    assertEquals(true, parse("--multus").multus, "--multus");
  }
}
