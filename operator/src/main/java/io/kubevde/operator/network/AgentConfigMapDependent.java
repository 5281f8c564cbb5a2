package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.ConfigMap;
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
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.model.NetworkResources;
import java.util.Set;

/**
 * The per-network agent ConfigMap {@code vnet.<ns>.<name>} in the operator namespace ({@link
 * NetworkResources#configMap} of the reconcile's {@link Publication}). It lives in another
 * namespace than its VdeNetwork, so it carries no owner reference (the garbage collector would
 * delete a cross-namespace dependent); JOSDK maps it back to its network by its {@code
 * io.javaoperatorsdk/primary-*} annotations and deletes it through the workflow: when the network
 * is not publishable (reconcile precondition) and on cleanup. Written with server-side apply (JOSDK
 * does not by default for ConfigMaps), field manager {@code kubevde-operator}.
 */
final class AgentConfigMapDependent extends KubernetesDependentResource<ConfigMap, VdeNetwork>
    implements Creator<ConfigMap, VdeNetwork>, Updater<ConfigMap, VdeNetwork>, Deleter<VdeNetwork> {
  private final String namespace;

  /**
   * @param namespace operator namespace, where the agents read their ConfigMaps
   */
  AgentConfigMapDependent(String namespace) {
    super(ConfigMap.class, "agent-configmap");
    this.namespace = namespace;
    configureWith(
        new KubernetesDependentResourceConfigBuilder<ConfigMap>()
            .withUseSSA(true)
            .withCreateResourceOnlyIfNotExistingWithSSA(false)
            .build());
  }

  @Override
  protected ConfigMap desired(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return NetworkResources.configMap(namespace, Publication.of(ctx).agentConfig());
  }

  @Override
  protected ResourceID targetSecondaryResourceID(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return id(primary);
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<ConfigMap> informerConfigurationBuilder(
      EventSourceContext<VdeNetwork> ctx) {
    return super.informerConfigurationBuilder(ctx)
        .withNamespaces(Set.of(namespace))
        .withLabelSelector(
            Names.LABEL_COMPONENT + "=agent-config," + Names.LABEL_MANAGED_BY + "=" + Names.MANAGER)
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<VdeNetwork>) p -> Set.of(id(p)));
  }

  private ResourceID id(VdeNetwork n) {
    return new ResourceID(
        Names.configMap(n.getMetadata().getNamespace(), n.getMetadata().getName()), namespace);
  }
}
