package io.kubevde.operator.network;

import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Deleter;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.model.NetworkAttachmentDefinition;
import io.kubevde.operator.model.NetworkResources;
import java.util.Optional;
import java.util.Set;

/**
 * The Multus NetworkAttachmentDefinition of a network ({@link NetworkResources#nad}: same namespace
 * and name, controller owner reference to the VdeNetwork), server-side applied. Active only while
 * {@link NadCrdPresent} holds and reconciled only for a publishable network.
 *
 * <p>Ownership as before the workflow: the owner reference comes from the builder (JOSDK adds no
 * metadata), and the NAD is deleted explicitly when its network is deleted (cleanup), not left to
 * the garbage collector. A network that falls into a conflict keeps the NAD it already has (only
 * its ConfigMap is withdrawn): JOSDK asks to delete it when the reconcile precondition fails, and
 * {@link #delete} acts only for a network being deleted.
 *
 * <p>Only a NAD this network controls (controller owner reference with its uid) is ever written or
 * deleted: a foreign NAD of the same name is found by {@link #foreignNad} before the workflow runs,
 * and the reconcile precondition {@link Owned} then skips this dependent (the reconciler reports
 * {@code Ready=False/NadConflict}).
 */
final class NadDependent
    extends KubernetesDependentResource<NetworkAttachmentDefinition, VdeNetwork>
    implements Creator<NetworkAttachmentDefinition, VdeNetwork>,
        Updater<NetworkAttachmentDefinition, VdeNetwork>,
        Deleter<VdeNetwork> {
  NadDependent() {
    super(NetworkAttachmentDefinition.class, "nad");
    configureWith(
        new KubernetesDependentResourceConfigBuilder<NetworkAttachmentDefinition>()
            .withUseSSA(true)
            .withCreateResourceOnlyIfNotExistingWithSSA(false)
            .build());
  }

  @Override
  protected NetworkAttachmentDefinition desired(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return NetworkResources.nad(primary);
  }

  @Override
  public void delete(VdeNetwork primary, Context<VdeNetwork> ctx) {
    if (primary.isMarkedForDeletion() && foreignNad(primary, ctx) == null)
      super.delete(primary, ctx);
  }

  /**
   * Reads the NAD named like the network (from the API: the informer sees only labelled NADs) and
   * remembers the answer in {@code ctx} for {@link Owned}.
   *
   * @param primary the network
   * @param ctx the reconcile's context
   * @return a message naming the NAD when one exists that this network does not control, else null
   *     (none, or ours; also null when the NAD CRD is absent)
   */
  String foreignNad(VdeNetwork primary, Context<VdeNetwork> ctx) {
    String ns = primary.getMetadata().getNamespace();
    String name = primary.getMetadata().getName();
    NetworkAttachmentDefinition cur;
    try {
      cur =
          ctx.getClient()
              .resources(NetworkAttachmentDefinition.class)
              .inNamespace(ns)
              .withName(name)
              .get();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 404) cur = null; // the CRD is not installed
      else throw e;
    }
    String msg =
        cur == null || NetworkResources.controlledBy(cur, primary)
            ? null
            : "NetworkAttachmentDefinition "
                + ns
                + "/"
                + name
                + " exists and is not controlled by this VdeNetwork"
                + " (it is left as it is; delete or rename it to let kubevde publish its own)";
    ctx.managedWorkflowAndDependentResourceContext().put(FOREIGN, msg == null ? "" : msg);
    return msg;
  }

  private static final String FOREIGN = NadDependent.class.getName() + ".foreign";

  /**
   * Workflow reconcile precondition: {@code also} holds and no foreign NAD holds the name ({@link
   * #foreignNad} was called).
   */
  record Owned(Condition<Object, VdeNetwork> also) implements Condition<Object, VdeNetwork> {
    @Override
    public boolean isMet(
        DependentResource<Object, VdeNetwork> dependent,
        VdeNetwork primary,
        Context<VdeNetwork> ctx) {
      return also.isMet(dependent, primary, ctx)
          && ctx.managedWorkflowAndDependentResourceContext()
              .get(FOREIGN, String.class)
              .map(String::isEmpty)
              .orElse(true);
    }
  }

  @Override
  protected void addReferenceHandlingMetadata(
      NetworkAttachmentDefinition desired, VdeNetwork primary) {
    // the builder already sets the controller owner reference
  }

  @Override
  protected ResourceID targetSecondaryResourceID(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return ResourceID.fromResource(primary);
  }

  @Override
  protected Optional<SecondaryToPrimaryMapper<NetworkAttachmentDefinition>>
      getSecondaryToPrimaryMapper(EventSourceContext<VdeNetwork> ctx) {
    return Optional.of(Mappers.fromOwnerReferences(VdeNetwork.class, false));
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<NetworkAttachmentDefinition>
      informerConfigurationBuilder(EventSourceContext<VdeNetwork> ctx) {
    return super.informerConfigurationBuilder(ctx)
        .withLabelSelector(Names.LABEL_MANAGED_BY + "=" + Names.MANAGER)
        .withPrimaryToSecondaryMapper(
            (PrimaryToSecondaryMapper<VdeNetwork>) p -> Set.of(ResourceID.fromResource(p)));
  }
}
