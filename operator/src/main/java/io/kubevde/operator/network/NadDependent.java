package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Deleter;
import io.javaoperatorsdk.operator.processing.dependent.Creator;
import io.javaoperatorsdk.operator.processing.dependent.Updater;
import io.javaoperatorsdk.operator.processing.GroupVersionKind;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.GenericKubernetesDependentResource;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.GroupVersionKindPlural;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.KubernetesDependentResourceConfigBuilder;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.PrimaryToSecondaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.Mappers;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.model.Names;
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
final class NadDependent extends GenericKubernetesDependentResource<VdeNetwork>
    implements Creator<GenericKubernetesResource, VdeNetwork>, Updater<GenericKubernetesResource, VdeNetwork>,
    Deleter<VdeNetwork> {
  /** The NAD kind (k8s.cni.cncf.io/v1). */
  static final GroupVersionKindPlural GVK = GroupVersionKindPlural.gvkWithPlural(
      new GroupVersionKind("k8s.cni.cncf.io", "v1", "NetworkAttachmentDefinition"), "network-attachment-definitions");

  NadDependent() {
    super(GVK, "nad");
    configureWith(new KubernetesDependentResourceConfigBuilder<GenericKubernetesResource>().withUseSSA(true)
        .withCreateResourceOnlyIfNotExistingWithSSA(false).build());
  }

  @Override
  protected GenericKubernetesResource desired(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return NetworkResources.nad(primary);
  }

  @Override
  public void delete(VdeNetwork primary, Context<VdeNetwork> ctx) {
    if (primary.isMarkedForDeletion()) super.delete(primary, ctx);
  }

  @Override
  protected void addReferenceHandlingMetadata(GenericKubernetesResource desired, VdeNetwork primary) {
    // the builder already sets the controller owner reference
  }

  @Override
  protected ResourceID targetSecondaryResourceID(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return ResourceID.fromResource(primary);
  }

  @Override
  protected Optional<SecondaryToPrimaryMapper<GenericKubernetesResource>> getSecondaryToPrimaryMapper(
      EventSourceContext<VdeNetwork> ctx) {
    return Optional.of(Mappers.fromOwnerReferences(VdeNetwork.class, false));
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<GenericKubernetesResource> informerConfigurationBuilder(
      EventSourceContext<VdeNetwork> ctx) {
    return super.informerConfigurationBuilder(ctx)
        .withLabelSelector(Names.LABEL_MANAGED_BY + "=" + Names.MANAGER)
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<VdeNetwork>) p -> Set.of(ResourceID.fromResource(p)));
  }
}
