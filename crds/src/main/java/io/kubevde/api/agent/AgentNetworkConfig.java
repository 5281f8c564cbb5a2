package io.kubevde.operator.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kubevde.api.v1alpha1.NodeRange;
import java.util.List;
import java.util.Map;

/**
 * What every node agent must run for one network: the content of the {@code network.json} key of the network's
 * ConfigMap ({@link Names#configMap}). Agents read only this (plus their own node's entry of {@code nodeRanges}).
 *
 * @param namespace VdeNetwork namespace
 * @param name VdeNetwork name
 * @param uid VdeNetwork uid (a recreated network is a different network)
 * @param generation metadata.generation this config was computed from
 * @param transport vxvde, vxvde-unicast or local
 * @param uplink the uplink VNL for vxvde ({@code vxvde://239.77.0.1/port=14789/vni=4096}), null otherwise
 * @param vni effective VNI
 * @param group effective multicast group
 * @param port UDP port
 * @param mtu pod interface MTU in bytes
 * @param switchMode learning or hub
 * @param vlan 802.1Q tag on the uplink or null
 * @param macPrefix pod MAC prefix or null
 * @param nodeSelector the nodes the network spans
 * @param ipamType host-local or none
 * @param subnet IPAM subnet or null
 * @param gateway gateway or null
 * @param exclude excluded CIDRs
 * @param nodeRanges per-node blocks, by node name
 * @param peers node addresses (vxvde-unicast replication list), sorted
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentNetworkConfig(String namespace, String name, String uid, Long generation, String transport,
    String uplink, Integer vni, String group, int port, int mtu, String switchMode, Integer vlan, String macPrefix,
    Map<String, String> nodeSelector, String ipamType, String subnet, String gateway, List<String> exclude,
    Map<String, NodeRange> nodeRanges, List<String> peers) {}
