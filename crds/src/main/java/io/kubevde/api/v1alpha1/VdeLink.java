package io.kubevde.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Connects a VdeNetwork to other VNLs on chosen nodes ({@code kubectl get vlink}). Namespaced. */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Plural("vdelinks")
@ShortNames({"vlink", "vdelink"})
@AdditionalPrinterColumn(
    name = "Network",
    jsonPath = ".spec.network",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Mode",
    jsonPath = ".spec.mode",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Paths",
    jsonPath = ".status.pathsUp",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class VdeLink extends CustomResource<VdeLinkSpec, VdeLinkStatus> implements Namespaced {
  /** Kind name. */
  public static final String KIND = "VdeLink";

  /** Creates an empty object (Jackson). */
  public VdeLink() {}

  /**
   * @param namespace namespace
   * @param name name
   * @param spec desired state
   * @return a new object with metadata and spec set
   */
  public static VdeLink of(String namespace, String name, VdeLinkSpec spec) {
    VdeLink l = new VdeLink();
    l.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withNamespace(namespace)
            .withName(name)
            .build());
    l.setSpec(spec);
    return l;
  }
}
