package io.kubevde.agent.model;

/**
 * The agent's version: VdeNode {@code spec.agentVersion}, {@code vde_build_info}, {@code
 * --version}.
 */
public final class AgentVersion {
  /** The version string ({@code 0.1.0} = the chart's appVersion). */
  public static final String VERSION = "0.1.0";

  private AgentVersion() {}
}
