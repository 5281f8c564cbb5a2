package io.kubevde.vdeplug.cli;

/**
 * The logging set-up every CLI main of this package runs first (in a static initialiser, before any
 * logger exists): SLF4J's slf4j-simple binding at the level of {@code KUBEVDE_LOG_LEVEL} ({@code
 * trace} … {@code error}, default {@code info}); a {@code -Dorg.slf4j.simpleLogger.defaultLogLevel}
 * given on the command line wins.
 */
final class CliLogging {
  private CliLogging() {}

  /** Sets slf4j-simple's default level from {@code KUBEVDE_LOG_LEVEL} unless already set. */
  static void configure() {
    String level = System.getenv().getOrDefault("KUBEVDE_LOG_LEVEL", "");
    System.getProperties()
        .putIfAbsent("org.slf4j.simpleLogger.defaultLogLevel", level.isBlank() ? "info" : level);
  }
}
