package io.kubevde.agent.netlink;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The link, address and route operations the agent does on a pod interface, over one {@link
 * NetlinkSocket} (rtnetlink(7); each is the message {@code ip link/addr/route} would send). All act
 * in the network namespace the socket was opened in. Refusals are {@link NetlinkException}s naming
 * the operation, the interface and the errno. Not thread-safe.
 */
public final class Rtnetlink implements AutoCloseable {
  /**
   * A link as the kernel reports it ({@code RTM_NEWLINK} answer).
   *
   * @param index the interface index
   * @param name the interface name
   * @param mac the link-layer address, lower-case {@code aa:bb:…}, or {@code ""} when none
   * @param mtu the MTU (bytes)
   * @param flags the IFF_* flags
   * @param alias the ifalias, or {@code ""}
   * @param kind the IFLA_INFO_KIND ({@code "tun"} for a tap), or {@code ""}
   */
  public record Link(
      int index, String name, String mac, int mtu, int flags, String alias, String kind) {
    /** Whether the link is administratively up. */
    public boolean up() {
      return (flags & Rtnl.IFF_UP) != 0;
    }
  }

  /**
   * An interface address ({@code RTM_NEWADDR} answer).
   *
   * @param index the interface index
   * @param address the local address
   * @param prefixLen the prefix length (bits)
   */
  public record Address(int index, InetAddress address, int prefixLen) {}

  private final NetlinkSocket sock;

  private Rtnetlink(NetlinkSocket sock) {
    this.sock = sock;
  }

  /** Opens a client in the calling thread's network namespace. */
  public static Rtnetlink open() throws NetlinkException {
    return new Rtnetlink(NetlinkSocket.open());
  }

  /**
   * The link named {@code name} ({@code RTM_GETLINK} with IFLA_IFNAME), or empty when there is none
   * (ENODEV).
   */
  public Optional<Link> link(String name) throws NetlinkException {
    NlRequest req =
        new NlRequest(Rtnl.RTM_GETLINK, 0, IfInfoMsg.of(0))
            .add(RtAttr.cString(Rtnl.IFLA_IFNAME, name));
    try {
      return first(sock.request(req, "get link", name));
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENODEV) return Optional.empty();
      throw e;
    }
  }

  /** The link with index {@code index}, or empty when there is none. */
  public Optional<Link> link(int index, String name) throws NetlinkException {
    try {
      return first(
          sock.request(new NlRequest(Rtnl.RTM_GETLINK, 0, IfInfoMsg.of(index)), "get link", name));
    } catch (NetlinkException e) {
      if (e.errno() == Errno.ENODEV) return Optional.empty();
      throw e;
    }
  }

  private static Optional<Link> first(List<NlMessage> got) {
    for (NlMessage m : got)
      if (m.header().type() == Rtnl.RTM_NEWLINK) return Optional.of(decodeLink(m));
    return Optional.empty();
  }

  /**
   * Sets MAC, MTU and alias of link {@code index} in one {@code RTM_NEWLINK} (as {@code ip link set
   * dev NAME address MAC mtu MTU alias ALIAS}).
   *
   * @param mac six bytes
   * @param alias the ifalias (at most 255 bytes)
   */
  public void configure(int index, String name, byte[] mac, int mtu, String alias)
      throws NetlinkException {
    sock.request(configureRequest(index, mac, mtu, alias), "set MAC/MTU/alias", name);
  }

  /** The request of {@link #configure}. */
  static NlRequest configureRequest(int index, byte[] mac, int mtu, String alias) {
    return new NlRequest(Rtnl.RTM_NEWLINK, 0, IfInfoMsg.of(index))
        .add(new RtAttr(Rtnl.IFLA_ADDRESS, mac.clone()))
        .add(RtAttr.u32(Rtnl.IFLA_MTU, mtu))
        .add(RtAttr.string(Rtnl.IFLA_IFALIAS, alias));
  }

  /**
   * Renames link {@code index} from {@code name} to {@code newName} ({@code ip link set dev NAME
   * name NEW}; the link must be down).
   *
   * @throws NetlinkException EEXIST when {@code newName} is taken, EBUSY when the link is up
   */
  public void rename(int index, String name, String newName) throws NetlinkException {
    sock.request(renameRequest(index, newName), "rename to " + newName, name);
  }

  /** The request of {@link #rename}: RTM_NEWLINK with IFLA_IFNAME. */
  static NlRequest renameRequest(int index, String newName) {
    return new NlRequest(Rtnl.RTM_NEWLINK, 0, IfInfoMsg.of(index))
        .add(RtAttr.string(Rtnl.IFLA_IFNAME, newName));
  }

  /**
   * Sets {@code net.ipv4.conf.<name>.forwarding} of link {@code index} over rtnetlink (IFLA_AF_SPEC
   * → AF_INET → IFLA_INET_CONF), which needs only CAP_NET_ADMIN: unlike a write to {@code
   * /proc/sys}, it works in a container whose {@code /proc/sys} is read-only.
   */
  public void setIpv4Forwarding(int index, String name, boolean on) throws NetlinkException {
    sock.request(forwardingRequest(index, on), "set IPv4 forwarding", name);
  }

  /** The request of {@link #setIpv4Forwarding}. */
  static NlRequest forwardingRequest(int index, boolean on) {
    return new NlRequest(Rtnl.RTM_NEWLINK, 0, IfInfoMsg.of(index))
        .add(
            RtAttr.nested(
                Rtnl.IFLA_AF_SPEC,
                RtAttr.nested(
                    Rtnl.AF_INET,
                    RtAttr.nested(
                        Rtnl.IFLA_INET_CONF,
                        RtAttr.u32(Rtnl.IPV4_DEVCONF_FORWARDING, on ? 1 : 0)))));
  }

  /** Sets link {@code index} administratively up ({@code ip link set dev NAME up}). */
  public void up(int index, String name) throws NetlinkException {
    sock.request(upRequest(index), "set link up", name);
  }

  /** The request of {@link #up}: ifi_flags = ifi_change = IFF_UP. */
  static NlRequest upRequest(int index) {
    return new NlRequest(
        Rtnl.RTM_NEWLINK, 0, new IfInfoMsg(Rtnl.AF_UNSPEC, 0, index, Rtnl.IFF_UP, Rtnl.IFF_UP));
  }

  /**
   * Adds {@code address/prefixLen} to link {@code index} ({@code ip addr add A/P dev NAME
   * [nodad]}).
   *
   * @param nodad skip duplicate address detection (IPv6)
   */
  public void addAddress(int index, String name, InetAddress address, int prefixLen, boolean nodad)
      throws NetlinkException {
    sock.request(
        addressRequest(index, address, prefixLen, nodad),
        "add address " + address.getHostAddress() + "/" + prefixLen,
        name);
  }

  /** The request of {@link #addAddress}: IFA_LOCAL = IFA_ADDRESS = the address; create, excl. */
  static NlRequest addressRequest(int index, InetAddress address, int prefixLen, boolean nodad) {
    byte[] a = address.getAddress();
    int family = a.length == 4 ? Rtnl.AF_INET : Rtnl.AF_INET6;
    int flags = nodad ? Rtnl.IFA_F_NODAD : 0;
    return new NlRequest(
            Rtnl.RTM_NEWADDR,
            Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL,
            new IfAddrMsg(family, prefixLen, flags, Rtnl.RT_SCOPE_UNIVERSE, index))
        .add(new RtAttr(Rtnl.IFA_LOCAL, a))
        .add(new RtAttr(Rtnl.IFA_ADDRESS, a));
  }

  /** The addresses of link {@code index} (a {@code RTM_GETADDR} dump, filtered here). */
  public List<Address> addresses(int index) throws NetlinkException {
    List<Address> out = new ArrayList<>();
    for (NlMessage m :
        sock.dump(
            new NlRequest(Rtnl.RTM_GETADDR, 0, new IfAddrMsg(Rtnl.AF_UNSPEC, 0, 0, 0, 0)),
            "list addresses")) {
      if (m.header().type() != Rtnl.RTM_NEWADDR) continue;
      decodeAddress(m).filter(a -> a.index() == index).ifPresent(out::add);
    }
    return out;
  }

  /**
   * Adds a route to {@code dst/dstLen} over link {@code oif} ({@code ip route add DST [via GW] dev
   * NAME}): main table, protocol boot, scope link without a gateway, universe with one.
   *
   * @param gateway the next hop, or null for an on-link route
   */
  public void addRoute(InetAddress dst, int dstLen, InetAddress gateway, int oif, String name)
      throws NetlinkException {
    sock.request(
        routeRequest(dst, dstLen, gateway, oif),
        "add route "
            + dst.getHostAddress()
            + "/"
            + dstLen
            + (gateway == null ? "" : " via " + gateway.getHostAddress()),
        name);
  }

  /** The request of {@link #addRoute}; RTA_DST is left out for a default route (dstLen 0). */
  static NlRequest routeRequest(InetAddress dst, int dstLen, InetAddress gateway, int oif) {
    byte[] d = dst.getAddress();
    int family = d.length == 4 ? Rtnl.AF_INET : Rtnl.AF_INET6;
    NlRequest req =
        new NlRequest(
            Rtnl.RTM_NEWROUTE,
            Rtnl.NLM_F_CREATE | Rtnl.NLM_F_EXCL,
            new RtMsg(
                family,
                dstLen,
                0,
                0,
                Rtnl.RT_TABLE_MAIN,
                Rtnl.RTPROT_BOOT,
                gateway == null ? Rtnl.RT_SCOPE_LINK : Rtnl.RT_SCOPE_UNIVERSE,
                Rtnl.RTN_UNICAST,
                0));
    if (dstLen > 0) req.add(new RtAttr(Rtnl.RTA_DST, d));
    if (gateway != null) req.add(new RtAttr(Rtnl.RTA_GATEWAY, gateway.getAddress()));
    return req.add(RtAttr.u32(Rtnl.RTA_OIF, oif));
  }

  /** Deletes link {@code index} ({@code ip link del dev NAME}). */
  public void deleteLink(int index, String name) throws NetlinkException {
    sock.request(new NlRequest(Rtnl.RTM_DELLINK, 0, IfInfoMsg.of(index)), "delete link", name);
  }

  /** Decodes an {@code RTM_NEWLINK} message (pure). */
  static Link decodeLink(NlMessage m) {
    ByteBuffer p = m.payload();
    IfInfoMsg h = IfInfoMsg.decode(p, 0);
    Map<Integer, ByteBuffer> a = RtAttr.parse(p, IfInfoMsg.SIZE, p.limit());
    String kind = "";
    ByteBuffer info = a.get(Rtnl.IFLA_LINKINFO);
    if (info != null) {
      ByteBuffer k = RtAttr.parse(info, 0, info.limit()).get(Rtnl.IFLA_INFO_KIND);
      if (k != null) kind = RtAttr.text(k);
    }
    ByteBuffer mac = a.get(Rtnl.IFLA_ADDRESS);
    ByteBuffer mtu = a.get(Rtnl.IFLA_MTU);
    return new Link(
        h.index(),
        a.containsKey(Rtnl.IFLA_IFNAME) ? RtAttr.text(a.get(Rtnl.IFLA_IFNAME)) : "",
        mac == null ? "" : HexFormat.ofDelimiter(":").formatHex(RtAttr.bytes(mac)),
        mtu != null && mtu.remaining() >= 4 ? mtu.getInt(0) : 0,
        h.flags(),
        a.containsKey(Rtnl.IFLA_IFALIAS) ? RtAttr.text(a.get(Rtnl.IFLA_IFALIAS)) : "",
        kind);
  }

  /** Decodes an {@code RTM_NEWADDR} message (pure); empty when it carries no usable address. */
  static Optional<Address> decodeAddress(NlMessage m) {
    ByteBuffer p = m.payload();
    IfAddrMsg h = IfAddrMsg.decode(p, 0);
    Map<Integer, ByteBuffer> a = RtAttr.parse(p, IfAddrMsg.SIZE, p.limit());
    ByteBuffer v = a.containsKey(Rtnl.IFA_LOCAL) ? a.get(Rtnl.IFA_LOCAL) : a.get(Rtnl.IFA_ADDRESS);
    if (v == null || (v.remaining() != 4 && v.remaining() != 16)) return Optional.empty();
    try {
      return Optional.of(
          new Address(h.index(), InetAddress.getByAddress(RtAttr.bytes(v)), h.prefixLen()));
    } catch (UnknownHostException e) {
      return Optional.empty(); // unreachable: 4 or 16 bytes
    }
  }

  @Override
  public void close() {
    sock.close();
  }
}
