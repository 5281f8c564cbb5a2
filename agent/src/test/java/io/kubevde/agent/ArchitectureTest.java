package io.kubevde.agent;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's packages form a one-way ladder (architecture.md §6, agent/README.md "Where things
 * are"): a package uses only packages on lower rungs, never one beside or above it. The CNI binary
 * is reached over the socket only: the agent shares the protocol module (io.kubevde.cni.protocol)
 * with it and never uses the binary's classes.
 */
class ArchitectureTest {
  private static final String ROOT = "io.kubevde.agent";

  /**
   * Low to high. {@code ""} is the root package ({@code Agent}, {@code AgentMain}, {@code
   * AgentConfig}).
   */
  static final List<List<String>> LADDER =
      List.of(
          List.of("model", "http", "netlink", "socket"),
          List.of("dataplane"),
          List.of("ipam"),
          List.of("attach"),
          List.of("cni", "kube", "metrics", "capture", "console", "handover", "device"),
          List.of(""));

  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);
  }

  private static String pkg(String rung) {
    return rung.isEmpty() ? ROOT : ROOT + "." + rung;
  }

  @Test
  void packagesUseOnlyPackagesOnLowerRungs() {
    for (int i = 0; i < LADDER.size(); i++) {
      for (String p : LADDER.get(i)) {
        List<String> forbidden = new ArrayList<>();
        for (int j = i; j < LADDER.size(); j++) {
          for (String q : LADDER.get(j))
            if (!q.equals(p)) forbidden.add(pkg(q) + (q.isEmpty() ? "" : ".."));
        }
        if (forbidden.isEmpty()) continue;
        noClasses()
            .that()
            .resideInAPackage(pkg(p) + (p.isEmpty() ? "" : ".."))
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(forbidden.toArray(String[]::new))
            .as("package " + pkg(p) + " uses nothing beside or above it on the ladder")
            .check(classes);
      }
    }
  }

  @Test
  void everyPackageIsOnTheLadder() {
    List<String> known = new ArrayList<>();
    for (List<String> rung : LADDER)
      for (String p : rung) known.add(pkg(p) + (p.isEmpty() ? "" : ".."));
    classes()
        .should()
        .resideInAnyPackage(known.toArray(String[]::new))
        .as(
            "a new agent package gets a rung in ArchitectureTest.LADDER (and a line in agent/README.md)")
        .check(classes);
  }

  @Test
  void theAgentDoesNotDependOnTheCniBinary() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.kubevde.cni.plugin..")
        .as(
            "the agent talks to the CNI binary over the socket (cni-protocol), never through its classes")
        .check(classes);
  }

  @Test
  void onlyTheEntryPointKnowsTheEntryPoint() {
    noClasses()
        .that()
        .doNotHaveSimpleName("AgentMain")
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName(ROOT + ".AgentMain")
        .as("AgentMain is wiring only: nothing depends on it")
        .check(classes);
  }
}
