package io.kubevde.operator.network;

import io.fabric8.kubernetes.api.model.Secret;
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
import io.kubevde.operator.model.KeyRing;
import io.kubevde.operator.model.Names;
import io.kubevde.operator.model.NetworkResources;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Set;

/**
 * A sealed network's key Secret {@code vnet-key.<ns>.<name>} in the operator namespace, next to its
 * agent ConfigMap and handled the same way ({@link AgentConfigMapDependent}): no owner reference
 * (another namespace), mapped back by JOSDK's primary annotations, server-side apply, deleted
 * through the workflow when the network is not published or not sealed (reconcile precondition
 * {@link Publication.Sealed}) and on cleanup. Its desired state is the {@link KeyRing} the
 * reconciler chose ({@link Publication#keyRing()}); {@link #ring} reads the current one back.
 */
final class KeySecretDependent extends KubernetesDependentResource<Secret, VdeNetwork>
    implements Creator<Secret, VdeNetwork>, Updater<Secret, VdeNetwork>, Deleter<VdeNetwork> {
  private final String namespace;

  /**
   * @param namespace operator namespace, where the agents read their configuration
   */
  KeySecretDependent(String namespace) {
    super(Secret.class, "key-secret");
    this.namespace = namespace;
    configureWith(
        new KubernetesDependentResourceConfigBuilder<Secret>()
            .withUseSSA(true)
            .withCreateResourceOnlyIfNotExistingWithSSA(false)
            .build());
  }

  @Override
  protected Secret desired(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return NetworkResources.keySecret(
        namespace,
        primary.getMetadata().getNamespace(),
        primary.getMetadata().getName(),
        Publication.of(ctx).keyRing());
  }

  /**
   * @return the key ring in the network's Secret as the informer sees it, or null when there is
   *     none (or it is unreadable)
   */
  KeyRing ring(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return getSecondaryResource(primary, ctx)
        .map(
            s -> {
              String b64 =
                  s.getData() == null
                      ? null
                      : s.getData().get(io.kubevde.api.agent.AgentNetworkConfig.KEY_FILE_KEY);
              String text =
                  b64 == null
                      ? null
                      : new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8);
              return KeyRing.read(text, s.getMetadata().getAnnotations());
            })
        .orElse(null);
  }

  @Override
  protected ResourceID targetSecondaryResourceID(VdeNetwork primary, Context<VdeNetwork> ctx) {
    return id(primary);
  }

  @Override
  protected InformerEventSourceConfiguration.Builder<Secret> informerConfigurationBuilder(
      EventSourceContext<VdeNetwork> ctx) {
    return super.informerConfigurationBuilder(ctx)
        .withNamespaces(Set.of(namespace))
        .withLabelSelector(
            Names.LABEL_COMPONENT
                + "="
                + Names.KEY_COMPONENT
                + ","
                + Names.LABEL_MANAGED_BY
                + "="
                + Names.MANAGER)
        .withPrimaryToSecondaryMapper((PrimaryToSecondaryMapper<VdeNetwork>) p -> Set.of(id(p)));
  }

  private ResourceID id(VdeNetwork n) {
    return new ResourceID(
        Names.keySecret(n.getMetadata().getNamespace(), n.getMetadata().getName()), namespace);
  }
}
