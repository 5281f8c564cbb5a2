package io.kubevde.operator.network;

import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Deleter;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
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
 * The Multus NetworkAttachmentDefinition of a network ({@link NetworkResources#nad}: same namespace and name,
 * controller owner reference to the VdeNetwork), server-side applied. Active only while {@link NadCrdPresent} holds
 * and reconciled only for a publishable network.
 *
 * <p>Ownership as before the workflow: the owner reference comes from the builder (JOSDK adds no metadata), and the
 * NAD is deleted explicitly when its network is deleted (cleanup), not left to the garbage collector. A network that
 * falls into a conflict keeps the NAD it already has (only its ConfigMap is withdrawn): JOSDK asks to delete it when
 * the reconcile precondition fails, and {@link #delete} acts only for a network being deleted.
 */
final class NadDependent extends KubernetesDependentResource<NetworkAttachmentDefinition, VdeNetwork>
    implements Creator<NetworkAttachmentDefinition, VdeNetwork>, Updater<NetworkAttachmentDefinition, VdeNetwork>,
    Deleter<VdeNetwork> {
  NadDependent() {
    super(NetworkAttachmentDefinition.class, "nad");
    configureWith(new KubernetesDependentResourceConfigBuilder<NetworkAttachmentDefinition>().withUseSSA(true)
        .withCreateResourceOnlyIfNotExistingWithSSA(false).build());
  }

  @Override
  protected NetworkAttachmentDefinition desired(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return NetworkResources.nad(primary);
  }

  @Override
  public void delete(VdeNetwork primary, Context<VdeNetwork> ctx) {
    if (primary.isMarkedForDeletion()) super.delete(primary, ctx);
  }

  @Override
  protected void addReferenceHandlingMetadata(NetworkAttachmentDefinition desired, VdeNetwork primary) {
    // the builder already sets the controller owner reference
  }

  @Override
  protected ResourceID targetSecondaryResourceID(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return ResourceID.fromResource(primary);
  }

  @Override
  protected Optional<SecondaryToPrimaryMapper<NetworkAttachmentDefinition>> getSecondaryToPrimaryMapper(
      EventSourceContext<VdeNetwork> ctx) {
    return Optional.of(Mappers.fromOwnerReferences(VdeNetwork.class, false));
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<NetworkAttachmentDefinition> informerConfigurationBuilder(
      EventSourceContext<VdeNetwork> ctx) {
    return super.informerConfigurationBuilder(ctx)
        .withLabelSelector(Names.LABEL_MANAGED_BY + "=" + Names.MANAGER)
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<VdeNetwork>) p -> Set.of(ResourceID.fromResource(p)));
  }
}
