package io.kubevde.agent.model;

import io.kubevde.api.net.Cidr;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.CniValidation;
import io.kubevde.cni.protocol.CniVersions;
import io.kubevde.cni.protocol.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The network configuration of a kubevde request (CNI SPEC 1.1.0 "Network configuration",
 * k8s-conventions.md §1.2), parsed from the stdin JSON the binary forwarded.
 *
 * <p>Keys read: {@code cniVersion}, {@code name}, {@code network} (kubevde's {@code
 * <namespace>/<name>} of the VdeNetwork; defaults to {@code name}), {@code mtu} (bytes; default:
 * the agent's underlay MTU − 50), {@code mac} (fixed MAC), {@code ipam} ({@link IpamConfig}),
 * {@code dns}, {@code prevResult}, {@code runtimeConfig.mac}, {@code runtimeConfig.ips} (capability
 * args, they win over the static keys), {@code cni.dev/valid-attachments} (GC), {@code vlan} and
 * {@code vlanTrunk} ({@link PortVlans}; the same keys under {@code args.cni} — Multus' {@code
 * cni-args} of the pod's annotation — replace both static keys when either is present). Unknown
 * keys are ignored.
 *
 * @param cniVersion the request version (supported)
 * @param name the CNI network name
 * @param network the VdeNetwork this attaches to
 * @param mtu the interface MTU, or {@code null} for the agent default
 * @param mac the requested MAC, or {@code null} for a generated one
 * @param ips addresses requested through {@code runtimeConfig.ips} ({@code ip/prefix}), possibly
 *     empty
 * @param ipam the address allocator settings, or {@code null} for pure L2 (no addresses)
 * @param dns the {@code dns} object to put into the result, or {@code null}
 * @param prevResult the previous plugin's result when chained, or {@code null}
 * @param validAttachments GC's list of live (containerID, ifname) pairs, or {@code null} when
 *     absent
 * @param networkGiven whether the config named a {@code network}; without one and with a {@code
 *     prevResult} kubevde runs chained ({@code attach.ChainedAttachmentHandler}: the pod's
 *     annotation says which networks)
 * @param raw the whole configuration object as received (an IPAM plugin the agent delegates to gets
 *     it on stdin, CNI SPEC §4), or {@code null} for a config built by the agent
 * @param vlans the attachment's VLANs (access and/or trunk), or {@code null} for a plain port (all
 *     frames pass unchanged, the switch's trunk behaviour)
 */
public record NetConf(
    String cniVersion,
    String name,
    String network,
    Integer mtu,
    String mac,
    List<String> ips,
    IpamConfig ipam,
    Map<String, Object> dns,
    Map<String, Object> prevResult,
    List<AttachmentKey.Id> validAttachments,
    boolean networkGiven,
    Map<String, Object> raw,
    PortVlans vlans) {

  /** The {@code ipam.type} values the agent serves itself ({@code ""} = no type given). */
  public static final List<String> OWN_IPAM_TYPES = List.of("", "kubevde", "none");

  /** A config without VLANs (a plain port). */
  public NetConf(
      String cniVersion,
      String name,
      String network,
      Integer mtu,
      String mac,
      List<String> ips,
      IpamConfig ipam,
      Map<String, Object> dns,
      Map<String, Object> prevResult,
      List<AttachmentKey.Id> validAttachments,
      boolean networkGiven,
      Map<String, Object> raw) {
    this(
        cniVersion,
        name,
        network,
        mtu,
        mac,
        ips,
        ipam,
        dns,
        prevResult,
        validAttachments,
        networkGiven,
        raw,
        null);
  }

  /** A config built by the agent (no raw object). */
  public NetConf(
      String cniVersion,
      String name,
      String network,
      Integer mtu,
      String mac,
      List<String> ips,
      IpamConfig ipam,
      Map<String, Object> dns,
      Map<String, Object> prevResult,
      List<AttachmentKey.Id> validAttachments,
      boolean networkGiven) {
    this(
        cniVersion,
        name,
        network,
        mtu,
        mac,
        ips,
        ipam,
        dns,
        prevResult,
        validAttachments,
        networkGiven,
        null,
        null);
  }

  /**
   * The IPAM plugin to delegate to: {@code ipam.type} when it is not one the agent serves itself
   * ({@link #OWN_IPAM_TYPES}), else {@code null}.
   */
  public String delegatedIpam() {
    if (raw == null
        || !(raw.get("ipam") instanceof Map<?, ?> m)
        || !(m.get("type") instanceof String t)) return null;
    return OWN_IPAM_TYPES.contains(t) ? null : t;
  }

  /** A copy with {@code ipam} and {@code mtu}/{@code mac} replaced (keeps everything else). */
  public NetConf with(IpamConfig newIpam, Integer newMtu, String newMac) {
    return new NetConf(
        cniVersion,
        name,
        network,
        newMtu,
        newMac,
        ips,
        newIpam,
        dns,
        prevResult,
        validAttachments,
        networkGiven,
        raw,
        vlans);
  }

  /**
   * Parses a configuration object.
   *
   * @throws CniError.Failure code 1 for an unsupported version, 7 naming a missing or ill-typed key
   */
  @SuppressWarnings("unchecked")
  public static NetConf parse(Map<String, Object> m) {
    String version = CniVersions.require(str(m, "cniVersion"));
    String name = str(m, "name");
    if (name == null || name.isEmpty()) throw invalid("network config has no name");
    String nameProblem = cniNameProblem(name);
    if (nameProblem != null) throw invalid("'name' '" + name + "' " + nameProblem);
    String network = str(m, "network");
    if (network != null && !network.isEmpty()) {
      String why = networkProblem(network);
      if (why != null) throw invalid("'network' '" + network + "' " + why);
    }
    Integer mtu = null;
    if (m.get("mtu") != null) {
      if (!(m.get("mtu") instanceof Long l) || l < 68 || l > 65535)
        throw invalid("'mtu' must be an integer 68..65535, got " + m.get("mtu"));
      mtu = l.intValue();
    }
    String mac = str(m, "mac");
    List<String> ips = new ArrayList<>();
    Map<String, Object> rc = obj(m, "runtimeConfig");
    if (rc != null) {
      if (rc.get("mac") instanceof String s && !s.isEmpty()) mac = s;
      if (rc.get("ips") instanceof List<?> l) {
        for (Object o : l) {
          if (!(o instanceof String ip))
            throw invalid("'runtimeConfig.ips' entries must be strings, got " + Json.typeName(o));
          try {
            Cidr.parse(ip);
          } catch (IllegalArgumentException e) {
            throw invalid("'runtimeConfig.ips' entry '" + ip + "' is not an IP address or CIDR");
          }
          ips.add(ip);
        }
      } else if (rc.get("ips") != null) {
        throw invalid("'runtimeConfig.ips' must be a list, got " + Json.typeName(rc.get("ips")));
      }
      if (rc.get("mac") != null && !(rc.get("mac") instanceof String)) {
        throw invalid("'runtimeConfig.mac' must be a string, got " + Json.typeName(rc.get("mac")));
      }
    }
    if (mac != null && !mac.matches("(?i)[0-9a-f]{2}(:[0-9a-f]{2}){5}"))
      throw invalid("'mac' is not a MAC address: " + mac);
    if (mac != null && (Integer.parseInt(mac.substring(0, 2), 16) & 1) != 0)
      throw invalid("'mac' is a multicast address: " + mac);
    if (mac != null && mac.equals("00:00:00:00:00:00"))
      throw invalid("'mac' is the all-zero address");
    Map<String, Object> ipamObj = obj(m, "ipam");
    IpamConfig ipam = ipamObj == null ? null : IpamConfig.parse(ipamObj);
    List<AttachmentKey.Id> valid = null;
    if (m.get("cni.dev/valid-attachments") instanceof List<?> l) {
      valid = new ArrayList<>();
      for (Object o : l) {
        if (o instanceof Map<?, ?> a)
          valid.add(
              new AttachmentKey.Id(
                  String.valueOf(a.get("containerID")), String.valueOf(a.get("ifname"))));
      }
    }
    PortVlans vlans = PortVlans.parse(m, "");
    Map<String, Object> args = obj(m, "args");
    Map<String, Object> cniArgs = args == null ? null : obj(args, "cni", "args.cni");
    if (cniArgs != null
        && (cniArgs.get(PortVlans.VLAN_KEY) != null || cniArgs.get(PortVlans.TRUNK_KEY) != null))
      vlans = PortVlans.parse(cniArgs, "args.cni.");
    return new NetConf(
        version,
        name,
        network == null || network.isEmpty() ? name : network,
        mtu,
        mac == null ? null : mac.toLowerCase(),
        List.copyOf(ips),
        ipam,
        obj(m, "dns"),
        obj(m, "prevResult"),
        valid,
        network != null && !network.isEmpty(),
        m,
        vlans);
  }

  /**
   * Why {@code name} is not a CNI network name (CNI SPEC 1.1.0: alphanumerics, {@code -}, {@code
   * _}, {@code .}; at most 255 characters), or null. It keys records and address pools on disk and
   * is part of the tap alias.
   */
  public static String cniNameProblem(String name) {
    if (name.length() > 255) return "is longer than 255 characters";
    if (!name.matches("[A-Za-z0-9_.-]+")) return "may contain only [A-Za-z0-9_.-]";
    return null;
  }

  /**
   * Why {@code network} is not a VdeNetwork reference {@code <namespace>/<name>} (a DNS-1123 label,
   * a DNS-1123 subdomain), or null.
   */
  public static String networkProblem(String network) {
    int slash = network.indexOf('/');
    if (slash < 0 || slash != network.lastIndexOf('/')) return "must be <namespace>/<name>";
    String ns = CniValidation.dnsLabelProblem(network.substring(0, slash));
    if (ns != null) return "has a bad namespace: it " + ns;
    String n = CniValidation.dnsSubdomainProblem(network.substring(slash + 1));
    if (n != null) return "has a bad name: it " + n;
    return null;
  }

  /**
   * @return the CNI error 7 (invalid config) with {@code msg}, to throw
   */
  public static CniError.Failure invalid(String msg) {
    return new CniError.Failure(CniError.INVALID_CONFIG, msg);
  }

  static String str(Map<String, Object> m, String k) {
    Object v = m.get(k);
    if (v == null) return null;
    if (!(v instanceof String s))
      throw invalid("'" + k + "' must be a string, got " + Json.typeName(v));
    return s;
  }

  static Map<String, Object> obj(Map<String, Object> m, String k) {
    return obj(m, k, k);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> obj(Map<String, Object> m, String k, String name) {
    Object v = m.get(k);
    if (v == null) return null;
    if (!(v instanceof Map))
      throw invalid("'" + name + "' must be an object, got " + Json.typeName(v));
    return (Map<String, Object>) v;
  }
}
