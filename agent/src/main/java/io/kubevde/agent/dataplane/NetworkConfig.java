package io.kubevde.agent.dataplane;

import io.kubevde.agent.cni.Cidr;
import io.kubevde.agent.cni.IpamConfig;
import io.kubevde.cni.protocol.Json;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What this node runs for one VdeNetwork: the operator's {@code network.json} (ConfigMap
 * {@code vnet.<ns>.<name>}, operator's {@code AgentNetworkConfig}) reduced to this node's share.
 *
 * @param namespace  VdeNetwork namespace
 * @param name       VdeNetwork name
 * @param uid        VdeNetwork uid ("" when unknown)
 * @param transport  {@code vxvde}, {@code vxvde-unicast} or {@code local}
 * @param uplink     the uplink VNL for vxvde multicast, or null
 * @param port       UDP port of the overlay
 * @param vni        VNI or null
 * @param mtu        pod interface MTU (bytes), 0 = agent default
 * @param hub        true for {@code switchMode: hub}, false for a learning switch
 * @param ipamType   {@code host-local} or {@code none}
 * @param subnet     IPAM subnet or null
 * @param gateway    gateway address or null
 * @param exclude    excluded addresses/CIDRs
 * @param nodeBlock  this node's address block ({@code cidr}, optional {@code rangeStart}/{@code rangeEnd}) or null
 * @param peers      node underlay addresses (vxvde-unicast)
 * @param nodeSelector node labels the network spans (empty = all nodes)
 * @param fromOperator true when this came from a ConfigMap, false for a network made on demand by a CNI request
 * @param macPrefix  3-octet prefix of generated pod MACs ({@code 02:77:00}), or null
 * @param vlan       802.1Q VLAN id on the uplink, or null
 */
public record NetworkConfig(String namespace, String name, String uid, String transport, String uplink, int port,
                            Long vni, int mtu, boolean hub, String ipamType, String subnet, String gateway,
                            List<String> exclude, Map<String, String> nodeBlock, List<String> peers,
                            Map<String, String> nodeSelector, boolean fromOperator, String macPrefix,
                            Integer vlan) {

    /** The network key {@code <namespace>/<name>}. */
    public String key() {
        return namespace + "/" + name;
    }

    /** A network made on demand for a CNI config naming {@code network} without an operator config: local, no uplink. */
    public static NetworkConfig local(String network) {
        int slash = network.indexOf('/');
        String ns = slash < 0 ? "" : network.substring(0, slash);
        String n = slash < 0 ? network : network.substring(slash + 1);
        return new NetworkConfig(ns, n, "", "local", null, 0, null, 0, false, "none", null, null, List.of(), null,
                List.of(), Map.of(), false, null, null);
    }

    /**
     * Parses {@code network.json}.
     *
     * @param json     the ConfigMap value
     * @param nodeName this node (picks {@code nodeRanges[nodeName]})
     * @throws IllegalArgumentException (or JsonException) when it is not a network config
     */
    @SuppressWarnings("unchecked")
    public static NetworkConfig parse(String json, String nodeName) {
        Map<String, Object> m = Json.parseObject(json);
        String ns = str(m, "namespace");
        String name = str(m, "name");
        if (ns == null || name == null) throw new IllegalArgumentException("network.json without namespace/name");
        Map<String, String> block = null;
        if (m.get("nodeRanges") instanceof Map<?, ?> ranges && ranges.get(nodeName) instanceof Map<?, ?> r) {
            block = new java.util.LinkedHashMap<>();
            for (var e : r.entrySet()) if (e.getValue() != null) block.put(String.valueOf(e.getKey()), String.valueOf(e.getValue()));
        }
        Map<String, String> sel = new java.util.TreeMap<>();
        if (m.get("nodeSelector") instanceof Map<?, ?> s) s.forEach((k, v) -> sel.put(String.valueOf(k), String.valueOf(v)));
        return new NetworkConfig(ns, name, orEmpty(str(m, "uid")), orDefault(str(m, "transport"), "vxvde"),
                str(m, "uplink"), (int) num(m, "port", 14789), m.get("vni") instanceof Number v ? v.longValue() : null,
                (int) num(m, "mtu", 0), "hub".equalsIgnoreCase(str(m, "switchMode")),
                orDefault(str(m, "ipamType"), "none"), str(m, "subnet"), str(m, "gateway"), strings(m.get("exclude")),
                block, strings(m.get("peers")), sel, true, str(m, "macPrefix"),
                m.get("vlan") instanceof Number v ? Integer.valueOf(v.intValue()) : null);
    }

    /**
     * The uplink VNL this node opens, or null for none (transport local; unicast with no other peer).
     *
     * @param selfAddress this node's underlay address (excluded from the unicast peers; also {@code bind=}), or null
     * @param uplinkIf    interface for multicast ({@code /if=}), or null
     */
    public String uplinkVnl(String selfAddress, String uplinkIf) {
        switch (transport) {
            case "vxvde" -> {
                if (uplink == null) return null;
                return uplinkIf == null || uplinkIf.isEmpty() ? uplink : uplink + "/if=" + uplinkIf;
            }
            case "vxvde-unicast" -> {
                List<String> others = new ArrayList<>();
                for (String p : peers) if (!p.equals(selfAddress)) others.add(p);
                if (others.isEmpty()) return null;
                StringBuilder sb = new StringBuilder("vxvde:///port=").append(port);
                if (vni != null) sb.append("/vni=").append(vni);
                if (selfAddress != null && !selfAddress.isEmpty()) sb.append("/bind=").append(selfAddress);
                sb.append("/peers=").append(String.join(",", others));
                return sb.toString();
            }
            default -> {
                return null;
            }
        }
    }

    /**
     * The IPAM this node uses for the network: the subnet with this node's block as the range (so nodes never hand
     * out the same address), gateway and exclusions; null when the operator gave no host-local IPAM.
     */
    public IpamConfig ipam() {
        if (!"host-local".equals(ipamType) || subnet == null) return null;
        Cidr net = Cidr.parse(subnet);
        BigInteger start = net.network().add(BigInteger.ONE);
        BigInteger end = net.v6() ? net.last() : net.last().subtract(BigInteger.ONE);
        if (nodeBlock != null) {
            if (nodeBlock.get("cidr") != null) {
                Cidr b = Cidr.parse(nodeBlock.get("cidr"));
                start = start.max(b.network());
                end = end.min(b.last());
            }
            if (nodeBlock.get("rangeStart") != null) start = Cidr.parse(nodeBlock.get("rangeStart")).address();
            if (nodeBlock.get("rangeEnd") != null) end = Cidr.parse(nodeBlock.get("rangeEnd")).address();
        }
        Cidr gw = gateway == null ? null : net.with(Cidr.parse(gateway).address());
        List<Cidr> ex = new ArrayList<>();
        for (String e : exclude) ex.add(Cidr.parse(e));
        return new IpamConfig(net, start, end, gw, List.copyOf(ex), List.of());
    }

    private static String str(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? null : v.toString();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String orDefault(String s, String d) {
        return s == null || s.isEmpty() ? d : s;
    }

    private static long num(Map<String, Object> m, String k, long d) {
        return m.get(k) instanceof Number n ? n.longValue() : d;
    }

    private static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) for (Object x : l) out.add(String.valueOf(x));
        return List.copyOf(out);
    }
}
