package io.kubevde.operator.network;

import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.operator.model.KeyRing;

/**
 * What one reconcile decided to publish for a network, handed from {@link VdeNetworkReconciler}
 * (which allocates) to the dependents (which only build desired objects) through the reconcile's
 * context.
 *
 * @param agentConfig what the agents must run; null when the network has a problem (conflict,
 *     invalid IPAM) and must not be published
 * @param keyRing the keys of a sealed network ({@link KeySecretDependent}); null when not sealed
 */
record Publication(AgentNetworkConfig agentConfig, KeyRing keyRing) {
  private static final String KEY = Publication.class.getName();

  /** A publication of an unsealed network. */
  Publication(AgentNetworkConfig agentConfig) {
    this(agentConfig, null);
  }

  /**
   * @return whether a key Secret is published (publishable and sealed)
   */
  boolean sealed() {
    return agentConfig != null && keyRing != null;
  }

  /**
   * @return whether the network is published to the agents (its ConfigMap exists)
   */
  boolean publishable() {
    return agentConfig != null;
  }

  /** Makes this publication visible to the dependents reconciled with {@code ctx}. */
  void putInto(Context<VdeNetwork> ctx) {
    ctx.managedWorkflowAndDependentResourceContext().put(KEY, this);
  }

  /**
   * @param ctx the reconcile's context
   * @return the publication {@link #putInto} it
   * @throws IllegalStateException when none was put (a dependent reconciled outside {@link
   *     VdeNetworkReconciler})
   */
  static Publication of(Context<VdeNetwork> ctx) {
    return ctx.managedWorkflowAndDependentResourceContext().getMandatory(KEY, Publication.class);
  }

  /** Workflow reconcile precondition: the network is {@link #publishable()}. */
  static final class Publishable implements Condition<Object, VdeNetwork> {
    @Override
    public boolean isMet(
        DependentResource<Object, VdeNetwork> dependent,
        VdeNetwork primary,
        Context<VdeNetwork> ctx) {
      return of(ctx).publishable();
    }
  }

  /** Workflow reconcile precondition: the network is published and {@link #sealed()}. */
  static final class Sealed implements Condition<Object, VdeNetwork> {
    @Override
    public boolean isMet(
        DependentResource<Object, VdeNetwork> dependent,
        VdeNetwork primary,
        Context<VdeNetwork> ctx) {
      return of(ctx).sealed();
    }
  }
}
