package io.kubevde.api.agent;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.kubevde.api.v1alpha1.IpamRoute;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.SwitchMode;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import java.util.List;
import java.util.Map;

/**
 * What every node agent runs for one VdeNetwork: the operator → agent contract, the {@code
 * network.json} key of the network's ConfigMap ({@code vnet.<ns>.<name>} in the operator
 * namespace). The operator writes it and the agent reads it, both through {@link
 * AgentNetworkConfigCodec}; a node uses the shared fields plus its own entry of {@link
 * #nodeRanges}. Field names are the JSON keys (stable: agents and operators of neighbouring
 * versions read each other's files); null fields are omitted, unknown keys are ignored when
 * reading.
 *
 * <pre>{@code
 * {"namespace":"default","name":"blue","uid":"…","generation":3,"transport":"vxvde",
 *  "uplink":"vxvde://239.77.0.1/port=14789/vni=4096","vni":4096,"group":"239.77.0.1","port":14789,"mtu":1450,
 *  "switchMode":"learning","nodeSelector":{},"allowedNamespaces":["lab"],"ipamType":"host-local","subnet":"10.77.0.0/16","exclude":[],
 *  "nodeRanges":{"node-1":{"node":"node-1","cidr":"10.77.16.0/20","rangeStart":"10.77.16.1","rangeEnd":"10.77.31.254"}},
 *  "peers":[]}
 * }</pre>
 *
 * @param namespace VdeNetwork namespace (required)
 * @param name VdeNetwork name (required)
 * @param uid VdeNetwork uid (a recreated network is a different network), or null
 * @param generation metadata.generation this config was computed from, or null
 * @param transport vxvde (also when null), vxvde-unicast, vxlan or local
 * @param uplink the node-independent uplink VNL ({@link Uplink#sharedVnl()}: vxvde multicast only),
 *     or null; written for readers that do not rebuild it, agents build theirs with {@link
 *     #uplinkDescription()}
 * @param vni effective VNI (1..16777215), or null
 * @param group effective multicast group, or null
 * @param port UDP port of the overlay, null = {@link VdeNetworkSpec#defaultPort} of the transport
 * @param mtu pod interface MTU in bytes, null = the agent's default
 * @param switchMode learning (also when null) or hub
 * @param vlan 802.1Q VLAN id (1..4094) on the uplink, or null
 * @param macPrefix 3-octet locally administered prefix of generated pod MACs ({@code 02:77:00}), or
 *     null
 * @param nodeSelector labels of the nodes the network spans (empty or null = all nodes)
 * @param allowedNamespaces namespaces besides {@link #namespace} whose pods may attach ({@code *} =
 *     all; null or empty = only the network's own), from {@code spec.allowedNamespaces}; see {@link
 *     #admits}
 * @param ipamType host-local or none (also when null)
 * @param subnet IPAM subnet (CIDR) or null
 * @param gateway gateway address or null
 * @param exclude excluded addresses/CIDRs (null = none)
 * @param nodeRanges per-node address blocks, by node name (null = none)
 * @param peers node underlay addresses, sorted (null = none): vxvde-unicast's replication list;
 *     vxvde multicast's accepted senders ({@code /allow=} on the uplink)
 * @param keySecret name of the Secret (next to this ConfigMap) whose key {@code network.key} is the
 *     network's seal key file; non-null = the uplink is sealed ({@code seal://KEYFILE{…}}), null =
 *     plain
 * @param rangeStart first address of the network's allocation range ({@code spec.ipam.rangeStart}),
 *     null = the subnet's second address; node blocks are cut from this range only, so an address
 *     outside it is never handed out by any node (the agent accepts it as a static address)
 * @param rangeEnd last address of that range, null = the subnet's last (IPv4: last but one)
 * @param underlayCidrs the operator's underlay CIDRs (its {@code --underlay-cidrs}, chart value
 *     {@code underlay.cidrs}): when not empty, a vxvde multicast uplink accepts senders inside them
 *     ({@code /allow=}) instead of the {@link #peers}, a vxlan uplink only senders inside them
 *     (null = none: vxlan accepts any sender)
 * @param subnets dual-stack: the other address family's subnet with its own blocks ({@link
 *     AgentSubnet}; pods get one address of {@link #subnet} and one of each of these); null = none
 * @param routes {@code spec.ipam.routes}: routes every pod gets (next hop {@code gw}, else the
 *     gateway of the destination's family); null = none
 * @param ttl {@code spec.ttl}: TTL / hop limit of the uplink's multicast datagrams (vxvde, vxlan),
 *     null = the plugin's default 1
 * @param egress {@code spec.egress.mode}: {@value #EGRESS_NAT} = every node runs the network's
 *     {@link #gateway} and masquerades the IPv4 {@link #subnet} to its own address (the operator
 *     then always sets {@link #gateway}); null = none. An agent that does not know a value runs no
 *     gateway
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record AgentNetworkConfig(
    String namespace,
    String name,
    String uid,
    Long generation,
    Transport transport,
    String uplink,
    Integer vni,
    String group,
    Integer port,
    Integer mtu,
    SwitchMode switchMode,
    Integer vlan,
    String macPrefix,
    Map<String, String> nodeSelector,
    List<String> allowedNamespaces,
    IpamType ipamType,
    String subnet,
    String gateway,
    List<String> exclude,
    Map<String, NodeRange> nodeRanges,
    List<String> peers,
    String keySecret,
    String rangeStart,
    String rangeEnd,
    List<String> underlayCidrs,
    List<AgentSubnet> subnets,
    List<IpamRoute> routes,
    Integer ttl,
    String egress) {

  /** The {@link #egress} value of a network that masquerades to the node's address. */
  public static final String EGRESS_NAT = "nat";

  /** A config without egress (a closed segment). */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers,
      String keySecret,
      String rangeStart,
      String rangeEnd,
      List<String> underlayCidrs,
      List<AgentSubnet> subnets,
      List<IpamRoute> routes,
      Integer ttl) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        allowedNamespaces,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        keySecret,
        rangeStart,
        rangeEnd,
        underlayCidrs,
        subnets,
        routes,
        ttl,
        null);
  }

  /** A config with the default multicast TTL (1). */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers,
      String keySecret,
      String rangeStart,
      String rangeEnd,
      List<String> underlayCidrs,
      List<AgentSubnet> subnets,
      List<IpamRoute> routes) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        allowedNamespaces,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        keySecret,
        rangeStart,
        rangeEnd,
        underlayCidrs,
        subnets,
        routes,
        null);
  }

  /** A config without pod routes. */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers,
      String keySecret,
      String rangeStart,
      String rangeEnd,
      List<String> underlayCidrs,
      List<AgentSubnet> subnets) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        allowedNamespaces,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        keySecret,
        rangeStart,
        rangeEnd,
        underlayCidrs,
        subnets,
        null);
  }

  /** A single-subnet config. */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers,
      String keySecret,
      String rangeStart,
      String rangeEnd,
      List<String> underlayCidrs) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        allowedNamespaces,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        keySecret,
        rangeStart,
        rangeEnd,
        underlayCidrs,
        null);
  }

  /**
   * A config without the network-wide range and underlay CIDRs (the range is then the subnet's
   * default, the multicast senders are the {@link #peers}).
   */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers,
      String keySecret) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        allowedNamespaces,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        keySecret,
        null,
        null,
        null);
  }

  /** The Secret key holding the seal key file ({@code ID KEY [current]} lines). */
  public static final String KEY_FILE_KEY = "network.key";

  /** A plain (unsealed) network's config. */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      List<String> allowedNamespaces,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        allowedNamespaces,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        null);
  }

  /** A config that admits only the network's own namespace. */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers,
      String keySecret) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        null,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        keySecret);
  }

  /** A plain config that admits only the network's own namespace. */
  public AgentNetworkConfig(
      String namespace,
      String name,
      String uid,
      Long generation,
      Transport transport,
      String uplink,
      Integer vni,
      String group,
      Integer port,
      Integer mtu,
      SwitchMode switchMode,
      Integer vlan,
      String macPrefix,
      Map<String, String> nodeSelector,
      IpamType ipamType,
      String subnet,
      String gateway,
      List<String> exclude,
      Map<String, NodeRange> nodeRanges,
      List<String> peers) {
    this(
        namespace,
        name,
        uid,
        generation,
        transport,
        uplink,
        vni,
        group,
        port,
        mtu,
        switchMode,
        vlan,
        macPrefix,
        nodeSelector,
        null,
        ipamType,
        subnet,
        gateway,
        exclude,
        nodeRanges,
        peers,
        null);
  }

  /** Null collections read as empty ones, so readers never test for null. */
  public AgentNetworkConfig {
    nodeSelector = nodeSelector == null ? Map.of() : nodeSelector;
    allowedNamespaces = allowedNamespaces == null ? List.of() : allowedNamespaces;
    exclude = exclude == null ? List.of() : exclude;
    nodeRanges = nodeRanges == null ? Map.of() : nodeRanges;
    peers = peers == null ? List.of() : peers;
    underlayCidrs = underlayCidrs == null ? List.of() : underlayCidrs;
    subnets = subnets == null ? List.of() : subnets;
    routes = routes == null ? List.of() : routes;
  }

  /**
   * A network with no operator description: a {@code local} switch, pure L2 (what an agent runs for
   * a CNI request naming a network no ConfigMap describes).
   *
   * @param key {@code <namespace>/<name>} (no slash: namespace {@code ""})
   * @return the config
   */
  public static AgentNetworkConfig local(String key) {
    int slash = key.indexOf('/');
    return new AgentNetworkConfig(
        slash < 0 ? "" : key.substring(0, slash),
        slash < 0 ? key : key.substring(slash + 1),
        "",
        null,
        Transport.LOCAL,
        null,
        null,
        null,
        null,
        null,
        SwitchMode.LEARNING,
        null,
        null,
        Map.of(),
        List.of(),
        IpamType.NONE,
        null,
        null,
        List.of(),
        Map.of(),
        List.of());
  }

  /**
   * @return the network key {@code <namespace>/<name>}
   */
  public String key() {
    return namespace + "/" + name;
  }

  /** The {@link #allowedNamespaces} entry that admits every namespace. */
  public static final String ALL_NAMESPACES = "*";

  /**
   * Whether pods of {@code podNamespace} may attach to this network: its own namespace, a namespace
   * listed in {@link #allowedNamespaces}, or any namespace when that lists {@value
   * #ALL_NAMESPACES}.
   *
   * @param podNamespace the pod's namespace, or null when unknown (admitted only by {@value
   *     #ALL_NAMESPACES})
   * @return whether the attachment is allowed
   */
  public boolean admits(String podNamespace) {
    if (allowedNamespaces.contains(ALL_NAMESPACES)) return true;
    if (podNamespace == null || podNamespace.isEmpty()) return false;
    return podNamespace.equals(namespace) || allowedNamespaces.contains(podNamespace);
  }

  /**
   * @return the transport, {@link Transport#VXVDE} when unset
   */
  public Transport effectiveTransport() {
    return transport == null ? Transport.VXVDE : transport;
  }

  /**
   * @return the UDP port, the transport's {@link VdeNetworkSpec#defaultPort} when unset
   */
  public int effectivePort() {
    return port == null ? VdeNetworkSpec.defaultPort(effectiveTransport()) : port;
  }

  /**
   * @return true for {@code switchMode: hub}, false for a learning switch
   */
  public boolean hub() {
    return switchMode == SwitchMode.HUB;
  }

  /**
   * @return true when the operator hands out addresses (host-local with a subnet)
   */
  public boolean hostLocal() {
    return ipamType == IpamType.HOST_LOCAL && subnet != null;
  }

  /**
   * @param node a node name
   * @return that node's address block, or null when it has none
   */
  public NodeRange nodeRange(String node) {
    return nodeRanges.get(node);
  }

  /**
   * @return whether every node runs this network's gateway with masquerade ({@code egress: nat}
   *     with an IPv4 host-local subnet and a gateway)
   */
  public boolean egressNat() {
    return EGRESS_NAT.equals(egress) && hostLocal() && gateway != null && !subnet.contains(":");
  }

  /**
   * @return whether the uplink is sealed (a {@link #keySecret} is named)
   */
  public boolean sealed() {
    return keySecret != null;
  }

  /**
   * @return the complete uplink (transport, group or peers, port, VNI, VLAN, sealed), built from
   *     these fields
   */
  public Uplink uplinkDescription() {
    return new Uplink(
        effectiveTransport(),
        group,
        peers,
        effectivePort(),
        vni,
        vlan,
        sealed(),
        underlayCidrs,
        ttl);
  }
}
