package io.kubevde.operator.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.agent.AgentNetworkConfigCodec;
import io.kubevde.api.agent.AgentSubnet;
import io.kubevde.api.agent.Uplink;
import io.kubevde.api.net.Cidr;
import io.kubevde.api.v1alpha1.IpamSubnet;
import io.kubevde.api.v1alpha1.IpamType;
import io.kubevde.api.v1alpha1.NodeRange;
import io.kubevde.api.v1alpha1.Transport;
import io.kubevde.api.v1alpha1.VdeNetwork;
import io.kubevde.api.v1alpha1.VdeNetworkSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Desired per-network objects, built from a VdeNetwork and its allocation with no API calls
 * (Strimzi model/ style): the agent ConfigMap (the shared {@link AgentNetworkConfig} record,
 * written by {@link AgentNetworkConfigCodec}) and the Multus NetworkAttachmentDefinition.
 */
public final class NetworkResources {
  private NetworkResources() {}

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /**
   * @param n the network
   * @param vni effective VNI (null for local)
   * @param group effective group (null unless vxvde or vxlan)
   * @param ranges per-node blocks
   * @param peers node underlay addresses (vxvde-unicast: replication list; vxvde: accepted senders)
   * @return what the agents must run
   */
  public static AgentNetworkConfig agentConfig(
      VdeNetwork n, Integer vni, String group, List<NodeRange> ranges, List<String> peers) {
    return agentConfig(n, vni, group, null, ranges, peers);
  }

  /**
   * @param n the network
   * @param vni effective VNI (null for local)
   * @param group effective group (null unless vxvde or vxlan)
   * @param port the UDP port the operator assigned (vxvde-unicast networks get distinct ports), or
   *     null for the spec's effective port
   * @param ranges per-node blocks
   * @param peers node underlay addresses (vxvde-unicast)
   * @return what the agents must run
   */
  public static AgentNetworkConfig agentConfig(
      VdeNetwork n,
      Integer vni,
      String group,
      Integer port,
      List<NodeRange> ranges,
      List<String> peers) {
    return agentConfig(n, vni, group, port, ranges, peers, List.of());
  }

  /**
   * @param n the network
   * @param vni effective VNI (null for local)
   * @param group effective group (null unless vxvde or vxlan)
   * @param port the UDP port the operator assigned, or null for the spec's effective port
   * @param ranges per-node blocks
   * @param peers node underlay addresses (vxvde-unicast: replication list; vxvde: accepted senders
   *     unless {@code underlayCidrs} is set)
   * @param underlayCidrs the site's underlay CIDRs ({@link
   *     io.kubevde.operator.OperatorConfig#underlayCidrs}): vxvde multicast senders must be inside
   *     them instead of being the peers; empty = the peers
   * @return what the agents must run (also the network's {@code rangeStart}/{@code rangeEnd}, so
   *     agents know which addresses no node block will ever hold)
   */
  public static AgentNetworkConfig agentConfig(
      VdeNetwork n,
      Integer vni,
      String group,
      Integer port,
      List<NodeRange> ranges,
      List<String> peers,
      List<String> underlayCidrs) {
    VdeNetworkSpec s = n.getSpec();
    int udpPort = port != null ? port : s.effectivePort();
    Transport t = s.effectiveTransport();
    // unicast: the replication list; multicast: the only senders the uplink accepts (sender check,
    // issue 11)
    List<String> replicas = t == Transport.LOCAL ? List.of() : peers.stream().sorted().toList();
    List<String> underlay =
        (t == Transport.VXVDE || t == Transport.VXLAN) && underlayCidrs != null
            ? List.copyOf(underlayCidrs)
            : List.of();
    Uplink uplink =
        new Uplink(t, group, replicas, udpPort, vni, s.vlan(), s.sealed(), underlay, s.ttl());
    boolean hostLocal = s.ipam() != null && s.ipam().effectiveType() == IpamType.HOST_LOCAL;
    // the primary subnet's blocks by node; a dual-stack network's other subnet with its own blocks
    Map<String, NodeRange> byNode = new TreeMap<>();
    List<AgentSubnet> more = new java.util.ArrayList<>();
    if (hostLocal) {
      boolean v6 = Cidr.parseNetwork(s.ipam().subnet()).v6();
      if (ranges != null) for (NodeRange r : ranges) if (family(r) == v6) byNode.put(r.node(), r);
      for (IpamSubnet sub : s.ipam().additionalSubnets()) {
        Cidr net = Cidr.parseNetwork(sub.subnet());
        Map<String, NodeRange> blocks = new TreeMap<>();
        if (ranges != null)
          for (NodeRange r : ranges)
            if (family(r) == net.v6() && net.overlaps(Cidr.parseNetwork(r.cidr())))
              blocks.put(r.node(), r);
        more.add(
            new AgentSubnet(
                sub.subnet(),
                sub.gateway(),
                sub.exclude() == null ? List.of() : List.copyOf(sub.exclude()),
                sub.rangeStart(),
                sub.rangeEnd(),
                blocks));
      }
    } else if (ranges != null) {
      for (NodeRange r : ranges) byNode.put(r.node(), r);
    }
    return new AgentNetworkConfig(
        n.getMetadata().getNamespace(),
        n.getMetadata().getName(),
        n.getMetadata().getUid(),
        n.getMetadata().getGeneration(),
        t,
        uplink.sharedVnl(),
        vni,
        group,
        udpPort,
        s.effectiveMtu(),
        s.effectiveSwitchMode(),
        s.vlan(),
        s.macPrefix(),
        new TreeMap<>(s.effectiveNodeSelector()),
        List.copyOf(s.effectiveAllowedNamespaces()),
        hostLocal ? IpamType.HOST_LOCAL : IpamType.NONE,
        hostLocal ? s.ipam().subnet() : null,
        hostLocal ? EgressPlan.gateway(s) : null,
        hostLocal && s.ipam().exclude() != null ? List.copyOf(s.ipam().exclude()) : List.of(),
        byNode,
        replicas,
        s.sealed()
            ? Names.keySecret(n.getMetadata().getNamespace(), n.getMetadata().getName())
            : null,
        hostLocal ? s.ipam().rangeStart() : null,
        hostLocal ? s.ipam().rangeEnd() : null,
        underlay.isEmpty() ? null : underlay,
        more.isEmpty() ? null : more,
        hostLocal && !EgressPlan.routes(s).isEmpty() ? List.copyOf(EgressPlan.routes(s)) : null,
        s.ttl(),
        hostLocal && s.egressNat() ? AgentNetworkConfig.EGRESS_NAT : null);
  }

  /** Whether a block is IPv6. */
  private static boolean family(NodeRange r) {
    return r.cidr() != null && r.cidr().contains(":");
  }

  /**
   * A sealed network's key Secret {@link Names#keySecret} in the operator namespace, next to its
   * ConfigMap: type Opaque, key {@link AgentNetworkConfig#KEY_FILE_KEY} = the seal key file, the
   * rotation state in annotations ({@link KeyRing#annotations()}), labels {@link Names#keyLabels}.
   *
   * @param operatorNamespace where the agents read their configuration
   * @param namespace the VdeNetwork's namespace
   * @param name the VdeNetwork's name
   * @param ring the keys
   * @return the Secret
   */
  public static Secret keySecret(
      String operatorNamespace, String namespace, String name, KeyRing ring) {
    return new SecretBuilder()
        .withNewMetadata()
        .withNamespace(operatorNamespace)
        .withName(Names.keySecret(namespace, name))
        .withLabels(Names.keyLabels(namespace, name))
        .withAnnotations(ring.annotations())
        .endMetadata()
        .withType("Opaque")
        .withData(
            Map.of(
                AgentNetworkConfig.KEY_FILE_KEY,
                java.util.Base64.getEncoder()
                    .encodeToString(
                        ring.keyFileText().getBytes(java.nio.charset.StandardCharsets.UTF_8))))
        .build();
  }

  /**
   * @param operatorNamespace where the agents read their configuration
   * @param cfg what the agents must run
   * @return the ConfigMap {@link Names#configMap} with key {@link Names#CONFIG_KEY}
   */
  public static ConfigMap configMap(String operatorNamespace, AgentNetworkConfig cfg) {
    return new ConfigMapBuilder()
        .withNewMetadata()
        .withNamespace(operatorNamespace)
        .withName(Names.configMap(cfg.namespace(), cfg.name()))
        .withLabels(Names.networkLabels(cfg.namespace(), cfg.name()))
        .endMetadata()
        .withData(Map.of(Names.CONFIG_KEY, AgentNetworkConfigCodec.write(cfg)))
        .build();
  }

  /**
   * The Multus NetworkAttachmentDefinition (k8s.cni.cncf.io/v1) for a network: same namespace and
   * name, owned by the VdeNetwork, {@code spec.config} = {@code
   * {"cniVersion":"1.1.0","name":<name>,"type":"kubevde",
   * "network":"<ns>/<name>","mtu":…,"capabilities":{"mac":true,"ips":true}}} (k8s-conventions.md
   * §1.7: Multus passes the config verbatim to our binary and the annotation's mac/ips as
   * runtimeConfig).
   *
   * @param n the network (needs metadata.uid for the owner reference)
   * @return the NAD
   */
  public static NetworkAttachmentDefinition nad(VdeNetwork n) {
    return nadOf(n);
  }

  /**
   * @param obj any object
   * @param n a network
   * @return whether {@code obj} names {@code n} (by uid) as its controller owner
   */
  public static boolean controlledBy(
      io.fabric8.kubernetes.api.model.HasMetadata obj, VdeNetwork n) {
    return obj.getMetadata().getOwnerReferences() != null
        && obj.getMetadata().getOwnerReferences().stream()
            .anyMatch(
                o ->
                    Boolean.TRUE.equals(o.getController())
                        && Objects.equals(o.getUid(), n.getMetadata().getUid()));
  }

  private static NetworkAttachmentDefinition nadOf(VdeNetwork n) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("cniVersion", "1.1.0");
    config.put("name", n.getMetadata().getName());
    config.put("type", Names.CNI_TYPE);
    config.put("network", n.getMetadata().getNamespace() + "/" + n.getMetadata().getName());
    config.put("mtu", n.getSpec().effectiveMtu());
    config.put("capabilities", Map.of("ips", true, "mac", true));
    String json;
    try {
      json = JSON.writeValueAsString(config);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    NetworkAttachmentDefinition nad = new NetworkAttachmentDefinition();
    nad.setMetadata(
        new ObjectMetaBuilder()
            .withNamespace(n.getMetadata().getNamespace())
            .withName(n.getMetadata().getName())
            .withLabels(Map.of(Names.LABEL_MANAGED_BY, Names.MANAGER))
            .withOwnerReferences(
                new OwnerReferenceBuilder()
                    .withApiVersion(n.getApiVersion())
                    .withKind(n.getKind())
                    .withName(n.getMetadata().getName())
                    .withUid(n.getMetadata().getUid())
                    .withController(true)
                    .withBlockOwnerDeletion(true)
                    .build())
            .build());
    nad.setAdditionalProperty("spec", Map.of("config", json));
    return nad;
  }
}
