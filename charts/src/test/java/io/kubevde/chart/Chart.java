package io.kubevde.chart;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The chart under test ({@code charts/kubevde}) rendered with helm-java's bundled Helm, and the
 * rendered objects parsed into fabric8 model types.
 */
final class Chart {
  static final KubernetesSerialization JSON = new KubernetesSerialization();

  /**
   * The Kubernetes version rendered for (the one the tests' API server runs; helm template alone
   * assumes 1.20).
   */
  static final String KUBE_VERSION = "v1.34.4";

  private Chart() {}

  /**
   * @return the chart directory (system property kubevde.chart.dir, else ./kubevde)
   */
  static Path dir() {
    String p = System.getProperty("kubevde.chart.dir");
    Path d = Path.of(p != null ? p : "kubevde").toAbsolutePath();
    if (!Files.isRegularFile(d.resolve("Chart.yaml")))
      throw new IllegalStateException("no chart at " + d);
    return d;
  }

  /**
   * @return the chart's CRD files (crds/, copied there by the crds module's build)
   */
  static List<Path> crdFiles() throws java.io.IOException {
    try (var s = Files.list(dir().resolve("crds"))) {
      return s.filter(f -> f.toString().endsWith(".yml") || f.toString().endsWith(".yaml"))
          .sorted()
          .toList();
    }
  }

  /**
   * @param release release name
   * @param namespace release namespace
   * @param values --set values (key paths to values)
   * @return the rendered manifest (templates only, no CRDs)
   * @throws IllegalStateException when Helm refuses the values (schema) or a template fails
   */
  static String render(String release, String namespace, Map<String, Object> values) {
    TemplateCommand t =
        new Helm(dir())
            .template()
            .withName(release)
            .withNamespace(namespace)
            .withKubeVersion(KUBE_VERSION)
            .skipCrds();
    values.forEach(t::set);
    return t.call();
  }

  /** Stands for the hook annotation key in {@link #renderWithHooks}' copy of the chart. */
  private static final String HOOK_STAND_IN = "test.kubevde.io/helm-hook";

  /**
   * Like {@link #render} plus the hooks. helm-java's template (and its dry-run install output)
   * leaves hooks out, so this renders a copy of the chart in which the {@code helm.sh/hook}
   * annotation key of the templates is renamed (nothing else changes); {@link #objects} renames it
   * back. What Helm does with the real hooks is checked by ChartUninstallTest.
   *
   * @return the rendered manifest, hooks included
   */
  static String renderWithHooks(String release, String namespace, Map<String, Object> values) {
    try {
      Path copy = Files.createTempDirectory("kubevde-chart");
      try (var files = Files.walk(dir())) {
        for (Path f : files.toList()) {
          Path to = copy.resolve(dir().relativize(f).toString());
          if (Files.isDirectory(f)) {
            Files.createDirectories(to);
          } else {
            String text = Files.readString(f);
            Files.writeString(
                to,
                f.getFileName().toString().endsWith(".yaml")
                    ? text.replace("\"helm.sh/hook\" ", "\"" + HOOK_STAND_IN + "\" ")
                    : text);
          }
        }
      }
      TemplateCommand t =
          new Helm(copy)
              .template()
              .withName(release)
              .withNamespace(namespace)
              .withKubeVersion(KUBE_VERSION)
              .skipCrds();
      values.forEach(t::set);
      return t.call();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * @return the rendered objects, in manifest order
   */
  static List<HasMetadata> objects(String manifest) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : manifest.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) continue;
      HasMetadata o = JSON.unmarshal(doc, HasMetadata.class);
      Map<String, String> ann = o.getMetadata().getAnnotations();
      if (ann != null && ann.containsKey(HOOK_STAND_IN)) {
        ann.put("helm.sh/hook", ann.remove(HOOK_STAND_IN));
      }
      out.add(o);
    }
    return out;
  }

  /**
   * @return objects rendered with those values into release "kv", namespace "kubevde-system"
   */
  static List<HasMetadata> objects(Map<String, Object> values) {
    return objects(render("kv", "kubevde-system", values));
  }

  /**
   * @return objects and hooks rendered with those values into release "kv", namespace
   *     "kubevde-system"
   */
  static List<HasMetadata> objectsWithHooks(Map<String, Object> values) {
    return objects(renderWithHooks("kv", "kubevde-system", values));
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objs, Class<T> type) {
    return objs.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objs, Class<T> type, String name) {
    Optional<T> o =
        all(objs, type).stream().filter(x -> x.getMetadata().getName().equals(name)).findFirst();
    return o.orElseThrow(
        () -> new AssertionError("no " + type.getSimpleName() + " " + name + " in " + names(objs)));
  }

  /**
   * @return whether the object is a Helm hook (created by its event, not by install)
   */
  static boolean isHook(HasMetadata o) {
    return o.getMetadata().getAnnotations() != null
        && o.getMetadata().getAnnotations().containsKey("helm.sh/hook");
  }

  static List<String> names(List<HasMetadata> objs) {
    return objs.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }
}
