package io.kubevde.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * One L2 segment spanning the nodes it selects ({@code kubectl get vnet}). Namespaced; the Multus
 * NetworkAttachmentDefinition generated for it lives in the same namespace.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Plural("vdenetworks")
@ShortNames({"vnet", "vdenet"})
@AdditionalPrinterColumn(
    name = "Transport",
    jsonPath = ".spec.transport",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "VNI",
    jsonPath = ".status.vni",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Group",
    jsonPath = ".status.group",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Subnet",
    jsonPath = ".spec.ipam.subnet",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Nodes",
    jsonPath = ".status.nodes",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Attachments",
    jsonPath = ".status.attachments",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class VdeNetwork extends CustomResource<VdeNetworkSpec, VdeNetworkStatus>
    implements Namespaced {
  /** Kind name. */
  public static final String KIND = "VdeNetwork";

  /** Creates an empty object (Jackson). */
  public VdeNetwork() {}

  /**
   * @param namespace namespace
   * @param name name
   * @param spec desired state
   * @return a new object with metadata and spec set
   */
  public static VdeNetwork of(String namespace, String name, VdeNetworkSpec spec) {
    VdeNetwork n = new VdeNetwork();
    n.setMetadata(
        new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
            .withNamespace(namespace)
            .withName(name)
            .build());
    n.setSpec(spec);
    return n;
  }
}
