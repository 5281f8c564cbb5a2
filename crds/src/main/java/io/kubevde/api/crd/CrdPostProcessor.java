package io.kubevde.api.crd;

import com.fasterxml.jackson.databind.node.TextNode;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaPropsOrArray;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Finishes the CRDs fabric8's generator writes, for what its annotations cannot say (run by the
 * crds build between {@code crd-generator-maven-plugin:generate} and the copy into the chart):
 *
 * <ul>
 *   <li>every {@code conditions} array gets the metav1.Condition schema of the Kubernetes API
 *       conventions: a list keyed by {@code type} ({@code x-kubernetes-list-type: map}, so
 *       server-side apply by two writers merges per condition instead of replacing the list),
 *       required {@code type status lastTransitionTime reason message}, {@code status} enum
 *       True/False/Unknown, {@code lastTransitionTime} {@code date-time}, the length limits and
 *       patterns of metav1.Condition;
 *   <li>printer columns in a useful order (Ready first — for VdeNode the agent's {@code Ready}
 *       condition —, Age last; details at priority 1, shown with {@code -o wide});
 *   <li>{@code categories: [kubevde]}, so {@code kubectl get kubevde} lists all kubevde objects.
 * </ul>
 */
public final class CrdPostProcessor {
  /** The category every kubevde CRD joins. */
  public static final String CATEGORY = "kubevde";

  /**
   * One printer column's place: its name and its priority (0 = default view, 1 = {@code -o wide}).
   */
  record Column(String name, int priority) {}

  /** Column order and priority per kind; columns not listed keep priority 0 and go before Age. */
  static final Map<String, List<Column>> COLUMNS =
      Map.of(
          "VdeNetwork",
              List.of(
                  new Column("Ready", 0),
                  new Column("Transport", 0),
                  new Column("Subnet", 0),
                  new Column("Nodes", 0),
                  new Column("Attachments", 0),
                  new Column("VNI", 1),
                  new Column("Group", 1),
                  new Column("Age", 0)),
          "VdeLink",
              List.of(
                  new Column("Ready", 0),
                  new Column("Network", 0),
                  new Column("Mode", 0),
                  new Column("Paths", 0),
                  new Column("Age", 0)),
          "VdeNode",
              List.of(
                  new Column("Ready", 0),
                  new Column("Address", 0),
                  new Column("Networks", 0),
                  new Column("Attachments", 0),
                  new Column("Agent", 1),
                  new Column("MACs", 1),
                  new Column("Heartbeat", 1),
                  new Column("Age", 0)),
          "VdeAddressReservation",
              List.of(
                  new Column("Network", 0),
                  new Column("Address", 0),
                  new Column("Pod", 0),
                  new Column("Node", 0),
                  new Column("Age", 0)));

  private static final KubernetesSerialization YAML = new KubernetesSerialization();

  private CrdPostProcessor() {}

  /**
   * Rewrites every {@code *-v1.yml} CRD in a directory in place.
   *
   * @param args one argument: the directory (the generator's {@code META-INF/fabric8})
   * @throws IOException when a file cannot be read or written
   * @throws IllegalArgumentException when the argument is missing or a file holds no CRD
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 1)
      throw new IllegalArgumentException("usage: CrdPostProcessor <dir with *-v1.yml CRDs>");
    try (Stream<Path> files = Files.list(Path.of(args[0]))) {
      for (Path f :
          files.filter(p -> p.getFileName().toString().endsWith("-v1.yml")).sorted().toList()) {
        CustomResourceDefinition crd =
            YAML.unmarshal(Files.readString(f), CustomResourceDefinition.class);
        if (crd == null || crd.getSpec() == null)
          throw new IllegalArgumentException(f + " holds no CRD");
        Files.writeString(
            f,
            "# Generated from io.kubevde.api.v1alpha1 by fabric8's CRD generator, finished by "
                + CrdPostProcessor.class.getName()
                + ": do not edit\n"
                + YAML.asYaml(process(crd)));
      }
    }
  }

  /**
   * @param crd a generated CRD (changed in place)
   * @return the same CRD with condition schemas, column order and category set
   */
  public static CustomResourceDefinition process(CustomResourceDefinition crd) {
    List<String> categories =
        new ArrayList<>(
            crd.getSpec().getNames().getCategories() == null
                ? List.of()
                : crd.getSpec().getNames().getCategories());
    if (!categories.contains(CATEGORY)) categories.add(CATEGORY);
    crd.getSpec().getNames().setCategories(categories);
    List<Column> order = COLUMNS.getOrDefault(crd.getSpec().getNames().getKind(), List.of());
    for (CustomResourceDefinitionVersion v : crd.getSpec().getVersions()) {
      if (v.getSchema() != null) fixConditions(v.getSchema().getOpenAPIV3Schema());
      if (v.getAdditionalPrinterColumns() != null)
        v.setAdditionalPrinterColumns(ordered(v.getAdditionalPrinterColumns(), order));
    }
    return crd;
  }

  static List<CustomResourceColumnDefinition> ordered(
      List<CustomResourceColumnDefinition> cols, List<Column> order) {
    List<String> names = order.stream().map(Column::name).toList();
    Comparator<CustomResourceColumnDefinition> rank =
        Comparator.comparingInt(
            c -> {
              int i = names.indexOf(c.getName());
              if ("Age".equals(c.getName())) return Integer.MAX_VALUE;
              return i < 0 ? names.size() : i;
            });
    List<CustomResourceColumnDefinition> out = new ArrayList<>(cols);
    out.sort(rank);
    for (CustomResourceColumnDefinition c : out) {
      c.setPriority(
          order.stream()
              .filter(o -> o.name().equals(c.getName()))
              .mapToInt(Column::priority)
              .findFirst()
              .orElse(0));
    }
    return out;
  }

  /**
   * Walks the schema and replaces every {@code conditions} array's item schema by
   * metav1.Condition's.
   */
  static void fixConditions(JSONSchemaProps node) {
    if (node == null) return;
    if (node.getProperties() != null) {
      node.getProperties()
          .forEach(
              (name, child) -> {
                if ("conditions".equals(name) && "array".equals(child.getType())) {
                  child.setXKubernetesListType("map");
                  child.setXKubernetesListMapKeys(List.of("type"));
                  child.setItems(new JSONSchemaPropsOrArray(null, condition()));
                } else {
                  fixConditions(child);
                }
              });
    }
    if (node.getItems() != null) fixConditions(node.getItems().getSchema());
  }

  /**
   * @return the schema of metav1.Condition as Kubernetes itself publishes it
   */
  static JSONSchemaProps condition() {
    return new JSONSchemaPropsBuilder()
        .withType("object")
        .withDescription("A condition of the object's state (metav1.Condition)")
        .withRequired("type", "status", "lastTransitionTime", "reason", "message")
        .addToProperties(
            "type",
            new JSONSchemaPropsBuilder()
                .withType("string")
                .withMaxLength(316L)
                .withPattern(
                    "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                        + "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$")
                .withDescription("Condition type in CamelCase, e.g. Ready")
                .build())
        .addToProperties(
            "status",
            new JSONSchemaPropsBuilder()
                .withType("string")
                .withEnum(new TextNode("True"), new TextNode("False"), new TextNode("Unknown"))
                .withDescription("True, False or Unknown")
                .build())
        .addToProperties(
            "observedGeneration",
            new JSONSchemaPropsBuilder()
                .withType("integer")
                .withFormat("int64")
                .withMinimum(0.0)
                .withDescription("metadata.generation the condition was set from")
                .build())
        .addToProperties(
            "lastTransitionTime",
            new JSONSchemaPropsBuilder()
                .withType("string")
                .withFormat("date-time")
                .withDescription("When the status last changed")
                .build())
        .addToProperties(
            "reason",
            new JSONSchemaPropsBuilder()
                .withType("string")
                .withMinLength(1L)
                .withMaxLength(1024L)
                .withPattern("^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$")
                .withDescription("Why, in CamelCase")
                .build())
        .addToProperties(
            "message",
            new JSONSchemaPropsBuilder()
                .withType("string")
                .withMaxLength(32768L)
                .withDescription("Human-readable details")
                .build())
        .build();
  }
}
