package io.kubevde.vdeplug.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.cli.PipeTopology.Wiring;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipeTopologyTest {

  private static PipeTopology plan(String... words) {
    PipeTopology.Result r = PipeTopology.plan(List.of(words));
    assertThat(r.error()).isNull();
    return r.topology().orElseThrow();
  }

  @Test
  void twoCommandsCrossTwoPipes() {
    PipeTopology t = plan("a", "x", "=", "b");
    assertThat(t.pipes()).isEqualTo(2);
    assertThat(t.commands())
        .containsExactly(
            new Wiring(List.of("a", "x"), 1, 0, -1, -1), new Wiring(List.of("b"), 0, 1, -1, -1));
  }

  @Test
  void anIntermediateCommandUsesAlternateFdsTowardsTheNext() {
    PipeTopology t = plan("a", "=", "b", "=", "c");
    assertThat(t.pipes()).isEqualTo(4);
    // left->right: a.out -0-> b.in, b.altOut -1-> c.in ; right->left: c.out -2-> b.altIn, b.out
    // -3-> a.in
    assertThat(t.commands())
        .containsExactly(
            new Wiring(List.of("a"), 3, 0, -1, -1),
            new Wiring(List.of("b"), 0, 3, 2, 1),
            new Wiring(List.of("c"), 1, 2, -1, -1));
  }

  @Test
  void oneDirectionalFiltersAreBypassedByTheOtherFlow() {
    PipeTopology right = plan("a", "=}", "b", "}=", "c");
    assertThat(right.commands())
        .containsExactly(
            new Wiring(List.of("a"), 2, 0, -1, -1),
            new Wiring(List.of("b"), 0, 1, -1, -1),
            new Wiring(List.of("c"), 1, 2, -1, -1));
    PipeTopology left = plan("a", "={", "b", "{=", "c");
    assertThat(left.commands())
        .containsExactly(
            new Wiring(List.of("a"), 2, 0, -1, -1),
            new Wiring(List.of("b"), 1, 2, -1, -1),
            new Wiring(List.of("c"), 0, 1, -1, -1));
  }

  @Test
  void nonsenseIsAUsageError() {
    assertThat(PipeTopology.plan(List.of("a")).error()).contains("at least two commands");
    assertThat(PipeTopology.plan(List.of("=", "a")).error()).contains("empty command");
    assertThat(PipeTopology.plan(List.of("a", "}=", "b")).error()).contains("first command");
    assertThat(PipeTopology.plan(List.of("a", "=}", "b")).error()).contains("last command");
    assertThat(PipeTopology.plan(List.of("a", "=}", "b", "{=", "c")).error()).contains("command 2");
  }
}
