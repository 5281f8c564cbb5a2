package io.kubevde.agent.netlink;

/**
 * The rtnetlink numbers this client uses, from the Linux uapi headers ({@code linux/netlink.h},
 * {@code linux/rtnetlink.h}, {@code linux/if_link.h}, {@code linux/if_addr.h}, {@code linux/if.h});
 * the protocol is described in RFC 3549 §2 and rtnetlink(7). Multi-byte header fields are in host
 * byte order, addresses in network byte order.
 */
public final class Rtnl {
  private Rtnl() {}

  /** Address family of netlink sockets (socket(2)). */
  public static final int AF_NETLINK = 16;

  /** {@code SOCK_RAW}: netlink sockets are raw or datagram. */
  public static final int SOCK_RAW = 3;

  /** The routing protocol of AF_NETLINK (rtnetlink). */
  public static final int NETLINK_ROUTE = 0;

  /** setsockopt level of netlink options. */
  public static final int SOL_NETLINK = 270;

  /** Errors carry only the request header back, not the whole request. */
  public static final int NETLINK_CAP_ACK = 10;

  /** Errors carry the kernel's extended ack (a text message, {@link #NLMSGERR_ATTR_MSG}). */
  public static final int NETLINK_EXT_ACK = 11;

  /** {@code AF_UNSPEC}: any family (dumps). */
  public static final int AF_UNSPEC = 0;

  /** {@code AF_INET}. */
  public static final int AF_INET = 2;

  /** {@code AF_INET6}. */
  public static final int AF_INET6 = 10;

  // --- nlmsghdr types and flags (linux/netlink.h) ---
  /** The message is an error or an ack (error 0); payload {@code struct nlmsgerr}. */
  public static final int NLMSG_ERROR = 2;

  /** The end of a multipart (dump) answer. */
  public static final int NLMSG_DONE = 3;

  /** Every request carries this. */
  public static final int NLM_F_REQUEST = 0x1;

  /** Part of a multipart answer. */
  public static final int NLM_F_MULTI = 0x2;

  /** Ask for an ack (NLMSG_ERROR with error 0) on success. */
  public static final int NLM_F_ACK = 0x4;

  /** On an error: the request was capped to its header. */
  public static final int NLM_F_CAPPED = 0x100;

  /** On an error: extended-ack attributes follow. */
  public static final int NLM_F_ACK_TLVS = 0x200;

  /** Dump the whole table ({@code NLM_F_ROOT | NLM_F_MATCH}). */
  public static final int NLM_F_DUMP = 0x300;

  /** Fail when the object exists. */
  public static final int NLM_F_EXCL = 0x200;

  /** Create the object when it does not exist. */
  public static final int NLM_F_CREATE = 0x400;

  // --- message types (linux/rtnetlink.h) ---
  /** Create or change a link. */
  public static final int RTM_NEWLINK = 16;

  /** Delete a link. */
  public static final int RTM_DELLINK = 17;

  /** Get a link (by index or IFLA_IFNAME) or dump all. */
  public static final int RTM_GETLINK = 18;

  /** Add an address. */
  public static final int RTM_NEWADDR = 20;

  /** Get (dump) addresses. */
  public static final int RTM_GETADDR = 22;

  /** Add a route. */
  public static final int RTM_NEWROUTE = 24;

  // --- link attributes (linux/if_link.h) ---
  /** Link-layer address (6 bytes for Ethernet). */
  public static final int IFLA_ADDRESS = 1;

  /** Interface name, NUL-terminated. */
  public static final int IFLA_IFNAME = 3;

  /** MTU, u32. */
  public static final int IFLA_MTU = 4;

  /** Per-address-family link settings (nested by family). */
  public static final int IFLA_AF_SPEC = 26;

  /** Inside IFLA_AF_SPEC / AF_INET: the devconf array (one u32 attribute per IPV4_DEVCONF_*). */
  public static final int IFLA_INET_CONF = 1;

  /** {@code IPV4_DEVCONF_FORWARDING}: {@code net.ipv4.conf.<if>.forwarding}. */
  public static final int IPV4_DEVCONF_FORWARDING = 1;

  /** Nested link info ({@link #IFLA_INFO_KIND}). */
  public static final int IFLA_LINKINFO = 18;

  /** Interface alias (ifalias), up to 255 bytes. */
  public static final int IFLA_IFALIAS = 20;

  /** Inside IFLA_LINKINFO: the kind ({@code "tun"}, {@code "veth"}, …). */
  public static final int IFLA_INFO_KIND = 1;

  /** {@code IFF_UP} (linux/if.h): administratively up. */
  public static final int IFF_UP = 0x1;

  // --- address attributes (linux/if_addr.h) ---
  /** The prefix address (the peer on point-to-point links; else = IFA_LOCAL). */
  public static final int IFA_ADDRESS = 1;

  /** The local address. */
  public static final int IFA_LOCAL = 2;

  /** u32 flags (beyond the 8 bits of ifa_flags). */
  public static final int IFA_FLAGS = 8;

  /** No duplicate address detection (IPv6). */
  public static final int IFA_F_NODAD = 0x02;

  // --- route attributes and values (linux/rtnetlink.h) ---
  /** Destination prefix address. */
  public static final int RTA_DST = 1;

  /** Output interface index, u32. */
  public static final int RTA_OIF = 4;

  /** Next-hop gateway address. */
  public static final int RTA_GATEWAY = 5;

  /** The main routing table. */
  public static final int RT_TABLE_MAIN = 254;

  /** Route installed by an admin/boot tool (iproute2's default). */
  public static final int RTPROT_BOOT = 3;

  /** Route scope: anywhere (via a gateway). */
  public static final int RT_SCOPE_UNIVERSE = 0;

  /** Route scope: on the link (no gateway). */
  public static final int RT_SCOPE_LINK = 253;

  /** A plain unicast route. */
  public static final int RTN_UNICAST = 1;

  /** Extended-ack attribute: the error message, a NUL-terminated string. */
  public static final int NLMSGERR_ATTR_MSG = 1;
}
