package io.kubevde.operator.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/** Names and labels of the objects the operator writes (one place, so agents and tests agree). */
public final class Names {
  private Names() {}

  /** Finalizer on VdeNetworks. */
  public static final String FINALIZER = "kubevde.io/network-cleanup";

  /** Label: component (operator | agent | agent-config). */
  public static final String LABEL_COMPONENT = "app.kubernetes.io/component";

  /** Label: managed-by. */
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";

  /** managed-by value. */
  public static final String MANAGER = "kubevde-operator";

  /** Label on agent ConfigMaps: the network's namespace. */
  public static final String LABEL_NET_NAMESPACE = "kubevde.io/network-namespace";

  /** Label on agent ConfigMaps: the network's name (truncated to 63 characters). */
  public static final String LABEL_NET_NAME = "kubevde.io/network-name";

  /** Key of the agent ConfigMap holding the network's JSON. */
  public static final String CONFIG_KEY = io.kubevde.api.agent.AgentNetworkConfigCodec.CONFIG_KEY;

  /** Name of the Multus CRD whose presence switches NAD generation on. */
  public static final String NAD_CRD = "network-attachment-definitions.k8s.cni.cncf.io";

  /** CNI type of our plugin (the binary name in /opt/cni/bin). */
  public static final String CNI_TYPE = "kubevde";

  /**
   * Name of the per-network agent ConfigMap in the operator namespace: {@code
   * vnet.<namespace>.<name>} (unique since namespaces contain no dots), shortened with a hash when
   * longer than 253 characters.
   *
   * @param namespace the VdeNetwork's namespace
   * @param name the VdeNetwork's name
   * @return the ConfigMap name
   */
  public static String configMap(String namespace, String name) {
    String n = "vnet." + namespace + "." + name;
    return n.length() <= 253 ? n : n.substring(0, 236) + "." + hash(n).substring(0, 16);
  }

  /**
   * Name of a sealed network's key Secret in the operator namespace: {@code
   * vnet-key.<namespace>.<name>} (the ConfigMap's scheme), shortened with a hash when longer than
   * 253 characters.
   *
   * @param namespace the VdeNetwork's namespace
   * @param name the VdeNetwork's name
   * @return the Secret name
   */
  public static String keySecret(String namespace, String name) {
    String n = "vnet-key." + namespace + "." + name;
    return n.length() <= 253 ? n : n.substring(0, 236) + "." + hash(n).substring(0, 16);
  }

  /** Component label value of key Secrets (agents watch Secrets with it). */
  public static final String KEY_COMPONENT = "agent-key";

  /**
   * @return the labels of a network's key Secret: {@link #networkLabels} with component {@link
   *     #KEY_COMPONENT}
   */
  public static Map<String, String> keyLabels(String namespace, String name) {
    Map<String, String> m = new java.util.HashMap<>(networkLabels(namespace, name));
    m.put(LABEL_COMPONENT, KEY_COMPONENT);
    return Map.copyOf(m);
  }

  /**
   * @return labels common to every object the operator writes for a network
   */
  public static Map<String, String> networkLabels(String namespace, String name) {
    return Map.of(
        LABEL_MANAGED_BY,
        MANAGER,
        LABEL_COMPONENT,
        "agent-config",
        LABEL_NET_NAMESPACE,
        namespace,
        LABEL_NET_NAME,
        name.length() <= 63 ? name : hash(name).substring(0, 63));
  }

  static String hash(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
