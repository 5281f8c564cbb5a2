package io.kubevde.operator.model;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * The Multus kind {@code k8s.cni.cncf.io/v1 NetworkAttachmentDefinition} as a typed resource:
 * {@code spec.config} lives in the generic additional properties (see {@link
 * NetworkResources#nad}). Typed so that a client or informer for it needs no API discovery — the
 * CRD may not be installed (yet), and fabric8's untyped {@code
 * genericKubernetesResources(apiVersion, kind)} fails without it.
 */
@Group("k8s.cni.cncf.io")
@Version("v1")
@Kind("NetworkAttachmentDefinition")
@Plural("network-attachment-definitions")
public class NetworkAttachmentDefinition extends GenericKubernetesResource implements Namespaced {
  /** apiVersion of the kind. */
  public static final String API_VERSION = "k8s.cni.cncf.io/v1";

  /** The kind. */
  public static final String KIND = "NetworkAttachmentDefinition";

  /** An empty object with apiVersion and kind set. */
  public NetworkAttachmentDefinition() {
    setApiVersion(API_VERSION);
    setKind(KIND);
  }
}
