package io.kubevde.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A node agent's report, one per node, named like the node, cluster-scoped ({@code kubectl get
 * vdenodes}). Written by the agent; the operator only reads it.
 */
@Group(ApiGroup.GROUP)
@Version(ApiGroup.VERSION)
@Plural("vdenodes")
@ShortNames({"vnode", "vdenode"})
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Address",
    jsonPath = ".spec.address",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Agent",
    jsonPath = ".spec.agentVersion",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Networks",
    jsonPath = ".status.networks[*].name",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Attachments",
    jsonPath = ".status.attachments",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "MACs",
    jsonPath = ".status.macTableSize",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(
    name = "Heartbeat",
    jsonPath = ".status.lastHeartbeat",
    type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class VdeNode extends CustomResource<VdeNodeSpec, VdeNodeStatus> {
  /** Kind name. */
  public static final String KIND = "VdeNode";

  /** Creates an empty object (Jackson). */
  public VdeNode() {}
}
