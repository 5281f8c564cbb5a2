package io.kubevde.vdeplug;

import static com.tngtech.archunit.base.DescribedPredicate.alwaysTrue;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of vdeplug (README "Where things are"), lowest first; a layer may use any layer below
 * it, never one above:
 *
 * <ol>
 *   <li>base: {@code vnl} (the VNL parser), {@code ffi} (the libc binding) — depend on nothing in
 *       vdeplug;
 *   <li>API: the root package ({@code Plug}, {@code PlugProvider}, {@code Plugs}, {@code OpenArgs},
 *       {@code PlugStats}, {@code PlugClosedException}); it uses {@code vnl} because a provider
 *       opens a parsed {@code Vnl};
 *   <li>support: {@code fd} (the plug life cycle), {@code unix} (AF_UNIX sockets), {@code stream}
 *       (§2 codec and stream plug);
 *   <li>plugins: {@code plugin..} (one package per scheme, plus {@code plugin.overlay}, shared by
 *       vxlan/vxvde);
 *   <li>composition: {@code netnode} (hub/switch/multi/bonding), {@code cable} (two plugs joined);
 *   <li>{@code vdeswitch} (the vde_switch mode);
 *   <li>{@code cli} (the vde_plug, dpipe and vde_switch commands).
 * </ol>
 *
 * <p>The rules are checked from plain JUnit tests (not ArchUnit's {@code @ArchTest} fields):
 * Surefire 3.5 runs {@code @ArchTest} fields but reports zero tests for them, so a failing rule
 * would not be counted.
 */
class LayersTest {
  private static JavaClasses classes;

  @BeforeAll
  static void importMainClasses() {
    classes =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.kubevde.vdeplug");
  }

  static final ArchRule layers =
      layeredArchitecture()
          .consideringOnlyDependenciesInLayers()
          .layer("Base")
          .definedBy("io.kubevde.vdeplug.vnl..", "io.kubevde.vdeplug.ffi..")
          .layer("Api")
          .definedBy("io.kubevde.vdeplug")
          .layer("Support")
          .definedBy(
              "io.kubevde.vdeplug.fd..",
              "io.kubevde.vdeplug.unix..",
              "io.kubevde.vdeplug.stream..",
              "io.kubevde.vdeplug.offload..")
          .layer("Plugins")
          .definedBy("io.kubevde.vdeplug.plugin..")
          .layer("Composition")
          .definedBy("io.kubevde.vdeplug.netnode..", "io.kubevde.vdeplug.cable..")
          .layer("Switch")
          .definedBy("io.kubevde.vdeplug.vdeswitch..")
          .layer("Cli")
          .definedBy("io.kubevde.vdeplug.cli..")
          .whereLayer("Cli")
          .mayNotBeAccessedByAnyLayer()
          .whereLayer("Switch")
          .mayOnlyBeAccessedByLayers("Cli")
          .whereLayer("Composition")
          .mayOnlyBeAccessedByLayers("Switch", "Cli")
          .whereLayer("Plugins")
          .mayOnlyBeAccessedByLayers("Composition", "Switch", "Cli")
          .whereLayer("Support")
          .mayOnlyBeAccessedByLayers("Plugins", "Composition", "Switch", "Cli")
          .whereLayer("Api")
          .mayOnlyBeAccessedByLayers("Support", "Plugins", "Composition", "Switch", "Cli")
          .whereLayer("Base")
          .mayOnlyBeAccessedByLayers("Api", "Support", "Plugins", "Composition", "Switch", "Cli");

  /** The base packages are leaves: vnl and ffi use nothing else of vdeplug (nor each other). */
  static final ArchRule baseIsIndependent =
      slices().matching("io.kubevde.vdeplug.(vnl|ffi)..").should().notDependOnEachOther();

  /** A plugin never uses another plugin; shared plugin code lives in {@code plugin.overlay}. */
  static final ArchRule pluginsAreIndependent =
      slices()
          .matching("io.kubevde.vdeplug.plugin.(*)..")
          .should()
          .notDependOnEachOther()
          .ignoreDependency(alwaysTrue(), resideInAPackage("io.kubevde.vdeplug.plugin.overlay.."));

  /** No cycles between the top-level packages. */
  static final ArchRule noPackageCycles =
      slices().matching("io.kubevde.vdeplug.(*)..").should().beFreeOfCycles();

  @Test
  void eachLayerUsesOnlyLayersBelowIt() {
    layers.check(classes);
  }

  @Test
  void vnlAndFfiAreLeaves() {
    baseIsIndependent.check(classes);
  }

  @Test
  void pluginsDoNotUseEachOther() {
    pluginsAreIndependent.check(classes);
  }

  @Test
  void topLevelPackagesHaveNoCycles() {
    noPackageCycles.check(classes);
  }

  @Test
  void theImportSawEveryLayer() {
    for (String p :
        new String[] {
          "vnl", "ffi", "fd", "unix", "stream", "plugin.vde", "netnode", "cable", "vdeswitch", "cli"
        }) {
      org.assertj.core.api.Assertions.assertThat(classes.containPackage("io.kubevde.vdeplug." + p))
          .as(p)
          .isTrue();
    }
  }
}
