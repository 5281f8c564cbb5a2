package io.kubevde.operator;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import org.junit.jupiter.api.Test;

/**
 * {@code model/} is pure code (Strimzi's model/ style, style.md): desired objects and allocation
 * from plain values, unit-testable without a cluster. It must not reach into the operator's runtime
 * — the reconcilers, the wiring ({@code OperatorConfig}, {@code KubevdeOperator}), the HTTP server
 * — nor into fabric8's client or JOSDK. fabric8's {@code api.model} classes (the objects
 * themselves) and the CRD classes are fine.
 */
class ModelArchitectureTest {
  private static final JavaClasses OPERATOR =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.kubevde.operator");

  private static final String[] RUNTIME = {
    "..operator.network..",
    "..operator.link..",
    "..operator.runtime..",
    "io.kubevde.operator",
    "io.fabric8.kubernetes.client..",
    "io.javaoperatorsdk.."
  };

  private static ArchRule noRuntimeDependencyIn(String pkg) {
    return noClasses()
        .that()
        .resideInAPackage(pkg)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(RUNTIME);
  }

  @Test
  void modelDependsOnNoRuntimeClientOrJosdkClass() {
    assertThat(
            OPERATOR.that(
                com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage(
                    "..operator.model..")))
        .as("the model classes were found")
        .hasSizeGreaterThan(10);
    noRuntimeDependencyIn("..operator.model..").check(OPERATOR);
  }

  @Test
  void theRuleReportsARealDependency() {
    // the reconcilers do use the client and JOSDK: the same rule applied to them must fail, naming
    // such a class
    EvaluationResult r = noRuntimeDependencyIn("..operator.network..").evaluate(OPERATOR);
    assertThat(r.hasViolation()).isTrue();
    assertThat(r.getFailureReport().getDetails())
        .anySatisfy(d -> assertThat(d).contains("io.javaoperatorsdk"));
  }
}
