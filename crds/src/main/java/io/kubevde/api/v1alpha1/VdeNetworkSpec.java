package io.kubevde.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;
import java.util.List;
import java.util.Map;

/**
 * Desired state of a {@link VdeNetwork} (architecture.md §4). Every field is optional; the operator
 * fills defaults.
 *
 * @param transport vxvde (multicast, default), vxvde-unicast, vxlan (RFC 7348 over a multicast
 *     group, kernel-compatible) or local
 * @param vni VXLAN/vxvde network identifier 1..16777215; allocated (unique per cluster) when absent
 * @param group multicast group (IPv4 224.0.0.0/4 or IPv6 ff00::/8); allocated when absent
 * @param port UDP port of the uplink, 1..65535 (default 14789 as vdeplug4's vxvde; vxlan 4789, RFC
 *     7348's IANA port)
 * @param mtu MTU of pod interfaces in bytes, 576..9216 (default 1450: underlay 1500 minus vxvde's
 *     50 bytes)
 * @param nodeSelector labels of the nodes the network spans (all Linux nodes when empty)
 * @param allowedNamespaces namespaces besides the network's own whose pods may attach to it ({@code
 *     *}: every namespace; absent or empty: only the network's namespace); enforced by each node
 *     agent on CNI ADD
 * @param ipam address management (absent = pure L2)
 * @param switchMode per-node netnode policy ({@code switch} in YAML): learning (default) or hub
 * @param vlan optional 802.1Q tag (1..4094) on the uplink
 * @param macPrefix optional 3-octet locally administered prefix for pod MACs ({@code 02:77:00})
 * @param encryption uplink encryption (absent = none: plain vxvde)
 * @param ttl IPv4 TTL / IPv6 hop limit of the uplink's multicast datagrams, 1..255 (absent: 1, as
 *     vdeplug4: the group stays on the local link); more lets a multicast group cross routers
 *     (vxvde over IPv4 also sends its unicast datagrams with it, vde-protocols.md §4.4)
 * @param egress egress to addresses outside the network (absent = none: a closed segment)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VdeNetworkSpec(
    @JsonPropertyDescription(
            "vxvde (multicast, default), vxvde-unicast, vxlan (RFC 7348, kernel vxlan compatible),"
                + " or local (single-node switches)")
        Transport transport,
    @JsonPropertyDescription("Network identifier; allocated when empty") @Min(1) @Max(16777215)
        Integer vni,
    @JsonPropertyDescription("Multicast group of the vxvde uplink; allocated when empty")
        @Pattern(Patterns.MULTICAST_GROUP)
        String group,
    @JsonPropertyDescription(
            "UDP port of the uplink (default 14789; vxlan 4789; vxvde-unicast networks without one"
                + " get a cluster-unique port from 14789 up, see status.port)")
        @Min(1)
        @Max(65535)
        Integer port,
    @JsonPropertyDescription("MTU of pod interfaces in bytes (default 1450)") @Min(576) @Max(9216)
        Integer mtu,
    @JsonPropertyDescription("Labels selecting the nodes this network spans (all nodes when empty)")
        Map<String, String> nodeSelector,
    @JsonPropertyDescription(
            "Namespaces besides the network's own whose pods may attach to it; \"*\" admits every "
                + "namespace; absent or empty: only pods of the network's namespace")
        @Size(max = 256)
        List<@Pattern(Patterns.ALLOWED_NAMESPACE) String> allowedNamespaces,
    @JsonPropertyDescription("Address management; absent means pure L2") Ipam ipam,
    @JsonProperty("switch") @JsonPropertyDescription("Per-node netnode: learning (default) or hub")
        SwitchMode switchMode,
    @JsonPropertyDescription("802.1Q tag on the uplink") @Min(1) @Max(4094) Integer vlan,
    @JsonPropertyDescription(
            "3-octet locally administered prefix of pod MAC addresses, e.g. 02:77:00")
        @Pattern(Patterns.MAC_PREFIX)
        String macPrefix,
    @JsonPropertyDescription("Uplink encryption: mode none (default) or sealed, rotationPeriod")
        Encryption encryption,
    @JsonPropertyDescription(
            "TTL (IPv6: hop limit) of the uplink's multicast datagrams (default 1: link-local);"
                + " raise it to cross multicast routers")
        @Min(1)
        @Max(255)
        Integer ttl,
    @JsonPropertyDescription(
            "Egress: mode none (default) or nat (a gateway on every node masquerading the subnet"
                + " to the node's address), defaultRoute")
        Egress egress) {

  /** The spec without {@code egress} (a closed segment). */
  public VdeNetworkSpec(
      Transport transport,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      Ipam ipam,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Encryption encryption,
      Integer ttl) {
    this(
        transport,
        vni,
        group,
        port,
        mtu,
        nodeSelector,
        allowedNamespaces,
        ipam,
        switchMode,
        vlan,
        macPrefix,
        encryption,
        ttl,
        null);
  }

  /** The spec without {@code ttl} (multicast TTL 1). */
  public VdeNetworkSpec(
      Transport transport,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      Ipam ipam,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Encryption encryption) {
    this(
        transport,
        vni,
        group,
        port,
        mtu,
        nodeSelector,
        allowedNamespaces,
        ipam,
        switchMode,
        vlan,
        macPrefix,
        encryption,
        null);
  }

  /** The spec without encryption (plain vxvde). */
  public VdeNetworkSpec(
      Transport transport,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      Ipam ipam,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix) {
    this(
        transport,
        vni,
        group,
        port,
        mtu,
        nodeSelector,
        allowedNamespaces,
        ipam,
        switchMode,
        vlan,
        macPrefix,
        null);
  }

  /** The spec without {@code allowedNamespaces} (only the network's own namespace may attach). */
  public VdeNetworkSpec(
      Transport transport,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      Map<String, String> nodeSelector,
      Ipam ipam,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Encryption encryption) {
    this(
        transport,
        vni,
        group,
        port,
        mtu,
        nodeSelector,
        null,
        ipam,
        switchMode,
        vlan,
        macPrefix,
        encryption);
  }

  /**
   * The spec without {@code allowedNamespaces} and without encryption, as before those fields
   * existed.
   */
  public VdeNetworkSpec(
      Transport transport,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      Map<String, String> nodeSelector,
      Ipam ipam,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix) {
    this(
        transport,
        vni,
        group,
        port,
        mtu,
        nodeSelector,
        null,
        ipam,
        switchMode,
        vlan,
        macPrefix,
        null);
  }

  /** Default vxvde UDP port (vdeplug4, vde-protocols.md). */
  public static final int DEFAULT_PORT = 14789;

  /** Default UDP port of a {@code vxlan} network (RFC 7348's IANA port, the Linux kernel's). */
  public static final int DEFAULT_VXLAN_PORT = 4789;

  /** Default pod MTU in bytes (underlay 1500 − 50, platform-notes.md). */
  public static final int DEFAULT_MTU = 1450;

  /**
   * @return the transport, {@link Transport#VXVDE} when unset
   */
  public Transport effectiveTransport() {
    return transport == null ? Transport.VXVDE : transport;
  }

  /**
   * @return the UDP port; when unset {@link #DEFAULT_VXLAN_PORT} for vxlan, else {@link
   *     #DEFAULT_PORT}
   */
  public int effectivePort() {
    return port != null ? port : defaultPort(effectiveTransport());
  }

  /**
   * @param transport a transport
   * @return its default UDP port: {@link #DEFAULT_VXLAN_PORT} for vxlan, else {@link #DEFAULT_PORT}
   */
  public static int defaultPort(Transport transport) {
    return transport == Transport.VXLAN ? DEFAULT_VXLAN_PORT : DEFAULT_PORT;
  }

  /** Bytes the seal wrapper adds to every frame (vdeplug README, {@code seal://} wire format). */
  public static final int SEAL_OVERHEAD = 32;

  /**
   * @return the MTU in bytes; when unset {@link #DEFAULT_MTU}, less {@link #SEAL_OVERHEAD} for a
   *     sealed network (1418) so that sealed frames still fit the 1500-byte underlay
   */
  public int effectiveMtu() {
    if (mtu != null) return mtu;
    return sealed() ? DEFAULT_MTU - SEAL_OVERHEAD : DEFAULT_MTU;
  }

  /**
   * @return whether the uplink is sealed ({@code encryption.mode: sealed} on a transport with an
   *     uplink)
   */
  public boolean sealed() {
    return encryption != null
        && encryption.effectiveMode() == EncryptionMode.SEALED
        && effectiveTransport() != Transport.LOCAL;
  }

  /**
   * @return the switch mode, {@link SwitchMode#LEARNING} when unset
   */
  public SwitchMode effectiveSwitchMode() {
    return switchMode == null ? SwitchMode.LEARNING : switchMode;
  }

  /**
   * @return the namespaces admitted besides the network's own ({@code *} = all), never null
   */
  public List<String> effectiveAllowedNamespaces() {
    return allowedNamespaces == null ? List.of() : allowedNamespaces;
  }

  /**
   * @return whether the network masquerades to the nodes' addresses ({@code egress.mode: nat})
   */
  public boolean egressNat() {
    return egress != null && egress.effectiveMode() == EgressMode.NAT;
  }

  /**
   * @return the node selector, never null
   */
  public Map<String, String> effectiveNodeSelector() {
    return nodeSelector == null ? Map.of() : nodeSelector;
  }
}
