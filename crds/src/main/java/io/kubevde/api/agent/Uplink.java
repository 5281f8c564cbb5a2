package io.kubevde.api.agent;

import io.kubevde.api.v1alpha1.Transport;
import java.util.ArrayList;
import java.util.List;

/**
 * A network's uplink, the one place where its VNL is built (architecture.md §3 "vxvde unicast
 * mode", vde-protocols.md vxvde): the operator writes {@link #sharedVnl()} into {@code
 * network.json}, each agent opens {@link #toVnl(String, String)} for its node.
 *
 * <ul>
 *   <li>{@code vxvde}: {@code vxvde://<group>/port=<port>/vni=<vni>[/if=<interface>]} — the same on
 *       every node;
 *   <li>{@code vxvde-unicast}: {@code vxvde:///port=<port>[/vni=<vni>][/bind=<self>]/peers=<a>,<b>}
 *       — the peers are the other nodes (this node's own address removed), none while this node is
 *       alone;
 *   <li>{@code vxlan}: {@code vxlan://<group>/port=<port>/vni=<vni>[/allow=<underlay
 *       CIDRs>][/if=<interface>]} (RFC 7348, the same on every node; kernel and hardware VTEPs,
 *       which are not nodes, join the group: the sender check is the {@link #allow} CIDRs only,
 *       never the peers; without them any sender is accepted, as the kernel's vxlan device does);
 *   <li>{@code local}: no uplink.
 * </ul>
 *
 * A {@link #ttl} adds {@code /ttl=<ttl>} to the multicast VNLs (vxvde, vxlan) and to vxvde-unicast
 * (whose IPv4 datagrams carry it too, vde-protocols.md §4.4).
 *
 * <p>The VLAN is not part of the VNL: the agent tags frames to the uplink with it (IEEE 802.1Q) and
 * accepts only that VID. A sealed uplink wraps that VNL: {@code seal://<key file>{<plain VNL>}}
 * (vdeplug README, scheme {@code seal://}); it is never opened plain (no key file, no uplink).
 *
 * @param transport vxvde, vxvde-unicast, vxlan or local (not null)
 * @param group multicast group (vxvde, vxlan), or null
 * @param peers node underlay addresses, possibly including this node's: vxvde-unicast's replication
 *     list; for vxvde multicast the senders the uplink accepts ({@code /allow=}, a bare address =
 *     /32 or /128); empty = multicast accepts any sender (C vxvde behaviour)
 * @param port UDP port
 * @param vni VNI, or null
 * @param vlan 802.1Q VLAN id on the uplink, or null
 * @param sealed whether frames are sealed (AES-256-GCM under the network key)
 * @param allow vxvde multicast and vxlan: the underlay CIDRs senders must be in (vxvde: instead of
 *     the peers) when not empty (prefixes {@code ADDR/LEN} or bare addresses; quoted in the VNL)
 * @param ttl multicast TTL / hop limit ({@code /ttl=}), or null for the plugin's default (1)
 */
public record Uplink(
    Transport transport,
    String group,
    List<String> peers,
    int port,
    Integer vni,
    Integer vlan,
    boolean sealed,
    List<String> allow,
    Integer ttl) {

  /** An uplink with the plugins' default multicast TTL (1). */
  public Uplink(
      Transport transport,
      String group,
      List<String> peers,
      int port,
      Integer vni,
      Integer vlan,
      boolean sealed,
      List<String> allow) {
    this(transport, group, peers, port, vni, vlan, sealed, allow, null);
  }

  /** A plain (unsealed) uplink. */
  public Uplink(
      Transport transport, String group, List<String> peers, int port, Integer vni, Integer vlan) {
    this(transport, group, peers, port, vni, vlan, false);
  }

  /** An uplink whose multicast senders are its peers. */
  public Uplink(
      Transport transport,
      String group,
      List<String> peers,
      int port,
      Integer vni,
      Integer vlan,
      boolean sealed) {
    this(transport, group, peers, port, vni, vlan, sealed, List.of());
  }

  /** Copies the peer and allow lists (null = none). */
  public Uplink {
    peers = peers == null ? List.of() : List.copyOf(peers);
    allow = allow == null ? List.of() : List.copyOf(allow);
  }

  /**
   * The multicast uplink's accepted senders: {@link #allow} (the underlay CIDRs) when set, else the
   * peers.
   *
   * @return prefixes or bare addresses; empty = any sender
   */
  public List<String> senders() {
    return allow.isEmpty() ? peers : allow;
  }

  /**
   * The VNL one node opens.
   *
   * @param selfAddress this node's underlay address (vxvde-unicast: {@code bind=} and left out of
   *     the peers), or null
   * @param multicastInterface interface for vxvde multicast ({@code /if=}), or null/empty for the
   *     routing table's
   * @param keyFile the network's seal key file on this node (absolute path without {@code [ ] { }
   *     '} or quotes; ignored when not sealed)
   * @return the VNL ({@code seal://<keyFile>{<plain>}} when sealed), or null for none (local;
   *     multicast without group or VNI; unicast with no other peer; sealed without a key file)
   */
  public String toVnl(String selfAddress, String multicastInterface, String keyFile) {
    String plain = plainVnl(selfAddress, multicastInterface);
    if (!sealed || plain == null) return plain;
    return keyFile == null || keyFile.isEmpty() ? null : "seal://" + keyFile + "{" + plain + "}";
  }

  /**
   * The VNL of an unsealed uplink: {@link #toVnl(String, String, String)} without a key file (so
   * null when sealed).
   *
   * @param selfAddress this node's underlay address, or null
   * @param multicastInterface interface for vxvde multicast, or null/empty
   * @return the VNL, or null for none
   */
  public String toVnl(String selfAddress, String multicastInterface) {
    return toVnl(selfAddress, multicastInterface, null);
  }

  private String plainVnl(String selfAddress, String multicastInterface) {
    return switch (transport) {
      case VXVDE -> {
        if (group == null || vni == null) yield null;
        String vnl = "vxvde://" + group + "/port=" + port + "/vni=" + vni + ttlOption();
        // sender check: only the network's nodes may send into the group (vdeplug vxvde allow=)
        // (the underlay CIDRs when configured: /allow='10.0.0.0/8,…' quoted, '/' separates options)
        List<String> senders = senders();
        if (!senders.isEmpty()) {
          String list = String.join(",", senders);
          vnl += "/allow=" + (list.contains("/") ? "'" + list + "'" : list);
        }
        yield multicastInterface == null || multicastInterface.isEmpty()
            ? vnl
            : vnl + "/if=" + multicastInterface;
      }
      case VXVDE_UNICAST -> {
        List<String> others = new ArrayList<>();
        for (String p : peers) if (!p.equals(selfAddress)) others.add(p);
        if (others.isEmpty()) yield null;
        StringBuilder sb = new StringBuilder("vxvde:///port=").append(port);
        if (vni != null) sb.append("/vni=").append(vni);
        sb.append(ttlOption());
        if (selfAddress != null && !selfAddress.isEmpty()) sb.append("/bind=").append(selfAddress);
        yield sb.append("/peers=").append(String.join(",", others)).toString();
      }
      case VXLAN -> {
        if (group == null || vni == null) yield null;
        String vnl = "vxlan://" + group + "/port=" + port + "/vni=" + vni + ttlOption();
        // sender check: the underlay CIDRs only (kernel/hardware VTEPs are not nodes: no peers)
        if (!allow.isEmpty()) {
          String list = String.join(",", allow);
          vnl += "/allow=" + (list.contains("/") ? "'" + list + "'" : list);
        }
        yield multicastInterface == null || multicastInterface.isEmpty()
            ? vnl
            : vnl + "/if=" + multicastInterface;
      }
      case LOCAL -> null;
    };
  }

  private String ttlOption() {
    return ttl == null ? "" : "/ttl=" + ttl;
  }

  /**
   * @return the VNL that is the same on every node (vxvde multicast or vxlan without {@code /if=}),
   *     or null when the VNL depends on the node (vxvde-unicast, or sealed: the key file is the
   *     node's) or there is none (local)
   */
  public String sharedVnl() {
    return transport == Transport.VXVDE || transport == Transport.VXLAN ? toVnl(null, null) : null;
  }
}
