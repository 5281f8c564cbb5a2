package io.kubevde.operator.model;

import java.util.List;

/**
 * Result of {@link Allocator#allocate}: the VNI and group a network uses, and the conflicts that
 * stop it.
 *
 * @param vni effective VNI, or null (local transport, or pool exhausted)
 * @param group effective multicast group, or null (local/unicast transport, or pool exhausted)
 * @param problems conflicts and exhaustion, empty when the network can run
 */
public record Allocation(Integer vni, String group, List<Problem> problems) {
  /**
   * Why a network cannot run.
   *
   * @param reason CamelCase condition reason ({@code VniConflict}, {@code GroupConflict}, {@code
   *     SubnetOverlap}, {@code VniPoolExhausted}, {@code GroupPoolExhausted})
   * @param message human text naming the other network
   */
  public record Problem(String reason, String message) {}

  /**
   * @return true if there is no problem
   */
  public boolean ok() {
    return problems.isEmpty();
  }
}
