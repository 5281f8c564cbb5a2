package io.kubevde.vdeplug.plugin.vxlan;

import io.kubevde.vdeplug.plugin.overlay.OverlayNet;
import io.kubevde.vdeplug.plugin.overlay.SenderPrefix;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import io.kubevde.vdeplug.vnl.VnlException;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.net.InetAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.util.List;

/**
 * The options of one {@code vxlan://} plug (vde-protocols.md §4.3, key table §1.2).
 *
 * @param family IPv4 or IPv6: {@code v6}/{@code v4} select it (and the default group); an explicit
 *     group must be of that family (vdeplug4 ignores v4/v6 for the family, §12.3: fixed)
 * @param group the multicast group (default 239.0.0.1, or ff05:56de::1 with {@code v6})
 * @param port the UDP port every VXLAN endpoint listens on (default 4789, RFC 7348 §5)
 * @param vni 24-bit VNI (default 1)
 * @param ttl multicast TTL / hop limit (default 1)
 * @param rcvbuf SO_RCVBUF in bytes, 0 = system default
 * @param hashsize learning table capacity (default 1024, 0 = no learning: everything to the group)
 * @param expireMillis learning entry lifetime in ms ({@code expiretime} s, default 128)
 * @param ifName the interface for the group ({@code if=}), or null = the routed one
 * @param allow {@code allow=} (a kubevde extension, as vxvde's): the prefixes a sender's IP must
 *     lie in (those of the plug's family; quote the list, {@code /allow='10.0.0.0/8'}); empty = any
 *     sender (vdeplug4)
 */
public record VxlanConfig(
    ProtocolFamily family,
    InetAddress group,
    int port,
    int vni,
    int ttl,
    long rcvbuf,
    int hashsize,
    long expireMillis,
    String ifName,
    List<SenderPrefix> allow) {

  /** Copies the allow list. */
  public VxlanConfig {
    allow = List.copyOf(allow);
  }

  /** Option keys in vdeplug4's matching order (§1.2), then our {@code allow}. */
  public static final List<String> KEYS =
      List.of("port", "vni", "ttl", "rcvbuf", "v6", "v4", "hashsize", "expiretime", "if", "allow");

  /** The IANA VXLAN port. */
  public static final int DEFAULT_PORT = 4789;

  /** The header this plug sends and accepts. */
  public VxlanHeader header() {
    return new VxlanHeader(vni);
  }

  /**
   * Parses a vxlan argument ({@code [GROUP][/KEY[=VALUE]]...}).
   *
   * @throws VnlException for an unknown key, a bad value, a non-multicast group or a family
   *     mismatch
   */
  public static VxlanConfig parse(String vnl, String argument) {
    VnlOptions o = VnlOptions.slash(vnl, argument, KEYS);
    if (o.has("v6") && o.has("v4"))
      throw new VnlException(vnl, "options 'v4' and 'v6'", "choose one family");
    ProtocolFamily wanted =
        o.has("v6")
            ? StandardProtocolFamily.INET6
            : o.has("v4") ? StandardProtocolFamily.INET : null;
    String g =
        o.address().isEmpty()
            ? (wanted == StandardProtocolFamily.INET6 ? "ff05:56de::1" : "239.0.0.1")
            : o.address();
    InetAddress group;
    try {
      group = OverlayNet.resolve(g, wanted);
    } catch (UnknownHostException e) {
      throw new VnlException(
          vnl,
          "address '" + g + "'",
          "does not resolve (in the family chosen by v4/v6): " + e.getMessage());
    }
    if (!group.isMulticastAddress())
      throw new VnlException(vnl, "address '" + g + "'", "not a multicast group");
    int port = OverlayNet.port(o, "port", DEFAULT_PORT);
    int vni = o.intValue("vni", 1, 0, VxlanHeader.MAX_VNI);
    int ttl = o.intValue("ttl", 1, 0, 255);
    long rcvbuf = o.sizeValue("rcvbuf", 0);
    if (rcvbuf > Integer.MAX_VALUE)
      throw o.bad("rcvbuf", o.get("rcvbuf").orElse(""), "larger than 2 GiB");
    int hashsize = o.intValue("hashsize", 1024, 0, 1 << 20);
    int expire = o.intValue("expiretime", 128, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (expire <= 0) expire = 128;
    String ifName = o.get("if").filter(s -> !s.isEmpty()).orElse(null);
    List<SenderPrefix> allow =
        o.has("allow") ? SenderPrefix.parseList(vnl, o.get("allow").orElse("")) : List.of();
    boolean v6 = OverlayNet.familyOf(group) == StandardProtocolFamily.INET6;
    if (!allow.isEmpty() && allow.stream().noneMatch(p -> p.ipv6() == v6))
      throw new VnlException(
          vnl,
          "option 'allow=" + o.get("allow").orElse("") + "'",
          "no prefix of the group's family: no sender could ever be accepted");
    return new VxlanConfig(
        OverlayNet.familyOf(group),
        group,
        port,
        vni,
        ttl,
        rcvbuf,
        hashsize,
        expire * 1000L,
        ifName,
        allow);
  }
}
