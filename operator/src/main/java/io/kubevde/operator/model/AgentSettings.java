package io.kubevde.operator.model;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Site settings for the agent DaemonSet, read from a JSON or YAML file ({@code --agent-settings};
 * the Helm chart renders it into a ConfigMap from its {@code agent.*} values). Every field is
 * optional: {@code null} keeps the operator's built-in default (see {@link AgentDaemonSet}).
 *
 * @param cniBinDir host directory the CNI binary is installed into (default {@code /opt/cni/bin})
 * @param cniConfDir host CNI config directory, mounted read-only at {@code /host/etc/cni/net.d}
 *     (default {@code /etc/cni/net.d})
 * @param mtu default pod interface MTU in bytes for networks that set none, given to the agent as
 *     {@code KUBEVDE_DEFAULT_MTU} (null or 0 = the network's own default)
 * @param multus whether the operator publishes Multus NetworkAttachmentDefinitions (default true:
 *     when the NAD CRD exists); false = users write their own CNI configuration
 * @param resources agent container resources
 * @param initResources CNI install initContainer resources
 * @param tolerations agent pod tolerations (replace the default "tolerate everything")
 * @param nodeSelector extra node selector entries (merged with {@code kubernetes.io/os: linux})
 * @param securityContext agent container security context (replaces the default {@code privileged:
 *     true})
 * @param imagePullSecrets pull secrets of the agent pods
 * @param podAnnotations annotations of the agent pods
 * @param priorityClassName agent pod priority class (default {@code system-node-critical})
 * @param logLevel agent log level, given as {@code KUBEVDE_LOG_LEVEL} (null = the agent's default)
 * @param linkTenantSchemes VNL schemes VdeLinks of tenant namespaces may use (chart {@code
 *     linkPolicy.tenantSchemes}; {@code ["*"]} when the policy is off), given as {@code
 *     KUBEVDE_LINK_TENANT_SCHEMES} (null = the agent's default)
 * @param linkSystemNamespaces namespaces besides the operator's whose VdeLinks may use every scheme
 *     (chart {@code linkPolicy.systemNamespaces}), given as {@code KUBEVDE_LINK_SYSTEM_NAMESPACES}
 * @param underlayCidrs the node (underlay) network's CIDRs (chart {@code underlay.cidrs}): when
 *     set, vxvde multicast uplinks accept senders inside them ({@code /allow=}) instead of only the
 *     network's node addresses; written into every {@code network.json} as {@code underlayCidrs}
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record AgentSettings(
    String cniBinDir,
    String cniConfDir,
    Integer mtu,
    Boolean multus,
    ResourceRequirements resources,
    ResourceRequirements initResources,
    List<Toleration> tolerations,
    Map<String, String> nodeSelector,
    SecurityContext securityContext,
    List<LocalObjectReference> imagePullSecrets,
    Map<String, String> podAnnotations,
    String priorityClassName,
    String logLevel,
    List<String> linkTenantSchemes,
    List<String> linkSystemNamespaces,
    List<String> underlayCidrs) {

  /**
   * Every {@link #underlayCidrs} entry must be a CIDR or an address.
   *
   * @throws IllegalArgumentException naming the first bad entry
   */
  public AgentSettings {
    if (underlayCidrs != null) {
      for (String c : underlayCidrs) {
        try {
          io.kubevde.api.net.Cidr.parse(String.valueOf(c));
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("underlayCidrs: not a CIDR: " + c, e);
        }
      }
      underlayCidrs = List.copyOf(underlayCidrs);
    }
  }

  /**
   * @return the underlay CIDRs vxvde multicast senders must be in (empty = the network's nodes)
   */
  public List<String> effectiveUnderlayCidrs() {
    return underlayCidrs == null ? List.of() : underlayCidrs;
  }

  /** Default host CNI binary directory. */
  public static final String DEFAULT_CNI_BIN_DIR = "/opt/cni/bin";

  /** Default host CNI configuration directory. */
  public static final String DEFAULT_CNI_CONF_DIR = "/etc/cni/net.d";

  private static final ObjectMapper YAML = new YAMLMapper();

  /**
   * @return all defaults
   */
  public static AgentSettings defaults() {
    return new AgentSettings(
        null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
        null);
  }

  /**
   * @param file JSON or YAML file with any subset of the fields
   * @return the settings
   * @throws UncheckedIOException if the file cannot be read
   * @throws IllegalArgumentException if it is not a settings object (unknown key, wrong type)
   */
  public static AgentSettings read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read agent settings " + file, e);
    }
    if (text.isBlank()) return defaults();
    try {
      // YAML is a superset of JSON: one parser reads both (plain Jackson: model/ uses no client
      // class)
      return YAML.readValue(text, AgentSettings.class);
    } catch (JacksonException | RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) root = root.getCause();
      throw new IllegalArgumentException(
          "invalid agent settings in " + file + ": " + root.getMessage(), e);
    }
  }

  /**
   * @return the CNI bin dir in effect
   */
  public String effectiveCniBinDir() {
    return cniBinDir == null || cniBinDir.isBlank() ? DEFAULT_CNI_BIN_DIR : cniBinDir;
  }

  /**
   * @return the CNI conf dir in effect
   */
  public String effectiveCniConfDir() {
    return cniConfDir == null || cniConfDir.isBlank() ? DEFAULT_CNI_CONF_DIR : cniConfDir;
  }

  /**
   * @return whether NADs are published
   */
  public boolean multusEnabled() {
    return multus == null || multus;
  }
}
