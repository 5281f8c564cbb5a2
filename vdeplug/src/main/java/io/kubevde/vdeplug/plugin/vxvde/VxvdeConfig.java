package io.kubevde.vdeplug.plugin.vxvde;

import io.kubevde.vdeplug.plugin.overlay.OverlayNet;
import io.kubevde.vdeplug.plugin.overlay.SenderPrefix;
import io.kubevde.vdeplug.plugin.overlay.VxlanHeader;
import io.kubevde.vdeplug.vnl.VnlException;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The options of one {@code vxvde://} plug (vde-protocols.md §4.4, key table §1.2), plus the
 * unicast-mode peer list.
 *
 * @param family IPv4 or IPv6 (from the group/peers, or {@code v6}/{@code v4})
 * @param group the multicast group (after {@code grp=} rewrote its last three bytes); null in
 *     unicast mode
 * @param port UDP port of the group / of the peers' listening sockets (default 14789)
 * @param vni the 24-bit VNI (default 1; {@code grp=} sets it unless {@code vni=} is given)
 * @param ttl multicast TTL / hop limit (default 1)
 * @param rcvbuf SO_RCVBUF in bytes for both sockets, 0 = system default
 * @param hashsize learning table capacity in entries (default 1024, 0 = no learning)
 * @param expireMillis learning entry lifetime in ms (option {@code expiretime} in seconds, default
 *     128)
 * @param ifName the interface for the multicast group ({@code if=}), or null = the routed one
 * @param bind local address of the unicast socket ({@code bind=}), or null = wildcard
 * @param peers unicast mode ({@code peers=}): where broadcast/unknown frames go instead of the
 *     group, and the only senders accepted (IP and port); empty = multicast mode
 * @param allow {@code allow=}: the prefixes (either family) a sender's IP must lie in; empty = any
 *     sender (multicast mode) / any peer (unicast mode)
 * @param offload {@code offload} (a kubevde extension, offloads.md): receive with {@code UDP_GRO}
 *     and send super-frames from an offload tap as MTU-sized datagrams in one {@code UDP_SEGMENT}
 *     call; what goes on the wire is unchanged (complete vxvde datagrams), so any peer, a C one
 *     included, understands it
 * @param offloadUdp {@code offload=udp}: also merge runs of UDP datagrams into USO super-frames for
 *     the tap (experimental: the bursts overflow small socket buffers in the pod, see the README)
 */
public record VxvdeConfig(
    ProtocolFamily family,
    InetAddress group,
    int port,
    int vni,
    int ttl,
    long rcvbuf,
    int hashsize,
    long expireMillis,
    String ifName,
    InetAddress bind,
    List<InetSocketAddress> peers,
    List<SenderPrefix> allow,
    boolean offload,
    boolean offloadUdp) {

  /**
   * The option keys in vdeplug4's matching order (§1.2), then our {@code peers} and {@code allow}
   * last so no prefix changes meaning.
   */
  public static final List<String> KEYS =
      List.of(
          "port",
          "vni",
          "grp",
          "ttl",
          "rcvbuf",
          "v6",
          "v4",
          "hashsize",
          "expiretime",
          "if",
          "bind",
          "peers",
          "allow",
          "offload");

  /** Default UDP port. */
  public static final int DEFAULT_PORT = 14789;

  /** Default IPv4 group. */
  public static final String DEFAULT_GROUP4 = "239.0.0.1";

  /** Default IPv6 group. */
  public static final String DEFAULT_GROUP6 = "ff05:56de::1";

  /** Default learning table capacity (entries). */
  public static final int DEFAULT_HASHSIZE = 1024;

  /** Default learning entry lifetime (s). */
  public static final int DEFAULT_EXPIRE_SECONDS = 128;

  public VxvdeConfig {
    peers = List.copyOf(peers);
    allow = List.copyOf(allow);
  }

  /** Whether this plug runs in unicast mode (a peer list instead of a multicast group). */
  public boolean unicastMode() {
    return !peers.isEmpty();
  }

  /** The header this plug sends and accepts. */
  public VxlanHeader header() {
    return new VxlanHeader(vni);
  }

  /**
   * Parses a vxvde argument ({@code [GROUP][/KEY[=VALUE]]...}).
   *
   * @param vnl the whole VNL (for messages)
   * @param argument the text after {@code vxvde://}
   * @throws VnlException for an unknown key, a bad value, an address that is not a multicast group,
   *     a group together with {@code peers=}, or an {@code allow=} list without a prefix of the
   *     plug's family
   */
  public static VxvdeConfig parse(String vnl, String argument) {
    VnlOptions o = options(vnl, argument);
    ProtocolFamily wanted =
        o.has("v6")
            ? StandardProtocolFamily.INET6
            : o.has("v4") ? StandardProtocolFamily.INET : null;
    if (o.has("v6") && o.has("v4"))
      throw new VnlException(vnl, "options 'v4' and 'v6'", "choose one family");
    int port = OverlayNet.port(o, "port", DEFAULT_PORT);
    int ttl = o.intValue("ttl", 1, 0, 255);
    long rcvbuf = o.sizeValue("rcvbuf", 0);
    if (rcvbuf > Integer.MAX_VALUE)
      throw o.bad("rcvbuf", o.get("rcvbuf").orElse(""), "larger than 2 GiB");
    int hashsize = o.intValue("hashsize", DEFAULT_HASHSIZE, 0, 1 << 20);
    int expire =
        o.intValue("expiretime", DEFAULT_EXPIRE_SECONDS, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (expire <= 0) expire = DEFAULT_EXPIRE_SECONDS;
    String ifName = o.get("if").filter(s -> !s.isEmpty()).orElse(null);

    List<InetSocketAddress> peers =
        o.has("peers") ? parsePeers(vnl, o.get("peers").orElse(""), port, wanted) : List.of();
    if (o.has("peers") && peers.isEmpty())
      throw new VnlException(vnl, "option 'peers='", "empty peer list");
    ProtocolFamily family = wanted;
    if (!peers.isEmpty()) {
      if (!o.address().isEmpty()) {
        throw new VnlException(
            vnl,
            "address '" + o.address() + "'",
            "a multicast group and peers= exclude each other");
      }
      family = OverlayNet.familyOf(peers.getFirst().getAddress());
      for (InetSocketAddress p : peers) {
        if (OverlayNet.familyOf(p.getAddress()) != family) {
          throw new VnlException(
              vnl, "option 'peers=" + o.get("peers").orElse("") + "'", "peers mix IPv4 and IPv6");
        }
      }
    }

    InetAddress group = null;
    if (peers.isEmpty()) {
      String g =
          o.address().isEmpty()
              ? (wanted == StandardProtocolFamily.INET6 ? DEFAULT_GROUP6 : DEFAULT_GROUP4)
              : o.address();
      try {
        group = OverlayNet.resolve(g, wanted);
      } catch (UnknownHostException e) {
        throw new VnlException(vnl, "address '" + g + "'", "does not resolve: " + e.getMessage());
      }
      if (!group.isMulticastAddress()) {
        throw new VnlException(
            vnl, "address '" + g + "'", "not a multicast group (use peers= for unicast mode)");
      }
      family = OverlayNet.familyOf(group);
    }

    int vni = 1;
    if (o.has("grp")) {
      long g = OverlayNet.gidValue(o, "grp");
      vni = (int) (g & VxlanHeader.MAX_VNI);
      if (group != null) group = withLowBytes(group, vni);
    }
    if (o.has("vni")) {
      long v = OverlayNet.gidValue(o, "vni");
      if (v > VxlanHeader.MAX_VNI)
        throw o.bad("vni", o.get("vni").orElse(""), "VNI is 24 bits (0..16777215)");
      vni = (int) v;
    }

    InetAddress bind = null;
    if (o.get("bind").filter(s -> !s.isEmpty()).isPresent()) {
      String b = o.get("bind").get();
      try {
        bind = OverlayNet.resolve(b, family);
      } catch (UnknownHostException e) {
        throw o.bad("bind", b, "not a local address of the group's family: " + e.getMessage());
      }
    }
    List<SenderPrefix> allow = List.of();
    if (o.has("allow")) {
      allow = parseAllow(vnl, o.get("allow").orElse(""));
      boolean v6 = family == StandardProtocolFamily.INET6;
      if (allow.stream().noneMatch(p -> p.ipv6() == v6)) {
        throw new VnlException(
            vnl,
            "option 'allow=" + o.get("allow").orElse("") + "'",
            "no " + (v6 ? "IPv6" : "IPv4") + " prefix: this plug would accept no sender");
      }
    }
    return new VxvdeConfig(
        family,
        group,
        port,
        vni,
        ttl,
        rcvbuf,
        hashsize,
        expire * 1000L,
        ifName,
        bind,
        peers,
        allow,
        o.has("offload"),
        offloadUdp(o));
  }

  /**
   * {@code offload} (TCP only) or {@code offload=udp} (TCP and UDP); any other value is refused.
   */
  private static boolean offloadUdp(VnlOptions o) {
    String v = o.get("offload").orElse("");
    if (v.isEmpty() || v.equals("tcp")) return false;
    if (v.equals("udp")) return true;
    throw o.bad("offload", v, "give no value, 'tcp' or 'udp'");
  }

  /**
   * The slash options; an unknown key that starts with a digit after {@code allow=} gets a hint,
   * since it is almost always the prefix length of an unquoted CIDR ({@code /allow=10.0.0.0/8}).
   */
  private static VnlOptions options(String vnl, String argument) {
    try {
      return VnlOptions.slash(vnl, argument, KEYS);
    } catch (VnlException e) {
      if (argument.contains("allow=")
          && e.part().startsWith("option '")
          && e.part().length() > 8
          && Character.isDigit(e.part().charAt(8))) {
        throw new VnlException(
            vnl,
            e.part(),
            "unknown key; '/' separates options, so quote the allow= list "
                + "or write its slashes as %2F: /allow='10.0.0.0/8,fd00::/8'");
      }
      throw e;
    }
  }

  /**
   * Parses an {@code allow=} list: prefixes separated by {@code ,}, each {@code ADDRESS[/LENGTH]}
   * (IPv4 or IPv6; both families may be mixed, only the plug's family is used).
   *
   * @throws VnlException naming the bad entry, or for an empty list
   */
  static List<SenderPrefix> parseAllow(String vnl, String list) {
    return SenderPrefix.parseList(vnl, list);
  }

  /**
   * {@code group} with its last three bytes replaced by the low 24 bits of {@code low} (option
   * grp=, §4.4).
   */
  static InetAddress withLowBytes(InetAddress group, int low) {
    byte[] b = group.getAddress();
    int n = b.length;
    b[n - 3] = (byte) (low >>> 16);
    b[n - 2] = (byte) (low >>> 8);
    b[n - 1] = (byte) low;
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Parses a peer list: entries separated by {@code ,} (the VNL already uses {@code /} between
   * options), each {@code HOST}, {@code HOST:PORT}, {@code IPV6}, or {@code [IPV6]:PORT}; {@code
   * PORT} defaults to {@code port}.
   */
  static List<InetSocketAddress> parsePeers(
      String vnl, String list, int port, ProtocolFamily family) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String raw : list.split(",")) {
      String e = raw.trim();
      if (e.isEmpty()) continue;
      String host;
      int p = port;
      try {
        if (e.startsWith("[")) {
          int close = e.indexOf(']');
          if (close < 0) throw new IllegalArgumentException("missing ']'");
          host = e.substring(1, close);
          String rest = e.substring(close + 1);
          if (!rest.isEmpty()) {
            if (!rest.startsWith(":"))
              throw new IllegalArgumentException("expected ':PORT' after ']'");
            p = Integer.parseInt(rest.substring(1));
          }
        } else if (e.indexOf(':') != e.lastIndexOf(':')) {
          host = e; // bare IPv6 literal, no port
        } else if (e.indexOf(':') >= 0) {
          host = e.substring(0, e.indexOf(':'));
          p = Integer.parseInt(e.substring(e.indexOf(':') + 1));
        } else {
          host = e;
        }
        if (p < 1 || p > 65535) throw new IllegalArgumentException("port out of range 1..65535");
        InetAddress a = OverlayNet.resolve(host, family);
        if (a.isMulticastAddress())
          throw new IllegalArgumentException("a peer must be a unicast address");
        out.add(new InetSocketAddress(a, p));
      } catch (IllegalArgumentException | UnknownHostException ex) {
        throw new VnlException(
            vnl, "peer '" + e + "'", ex.getMessage() == null ? "bad peer" : ex.getMessage());
      }
    }
    return out;
  }

  /** Whether the group is IPv6 (or, in unicast mode, the peers are). */
  public boolean ipv6() {
    return family == StandardProtocolFamily.INET6;
  }
}
