package io.kubevde.agent.netlink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rtnetlink encoding, byte for byte against the layouts of linux/netlink.h, rtnetlink.h,
 * if_link.h and if_addr.h (RFC 3549 §2.3), as {@code strace ip …} shows iproute2 sending them.
 * Expected bytes are little-endian (x86-64, arm64).
 */
class RtnetlinkMessagesTest {
  private static final HexFormat HEX = HexFormat.of();

  @BeforeEach
  void littleEndian() {
    assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "expected bytes are LE");
  }

  private static String hex(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return HEX.formatHex(a);
  }

  private static ByteBuffer buf(String hex) {
    byte[] b = HEX.parseHex(hex.replace(" ", ""));
    return ByteBuffer.allocate(b.length).order(ByteOrder.nativeOrder()).put(b).flip();
  }

  @Test
  void linkSetWithMacMtuAndAliasIsOneNewlinkWithPaddedAttributes() {
    ByteBuffer m =
        Rtnetlink.configureRequest(7, HEX.parseHex("0277000000aa"), 1450, "kubevde/x")
            .encode(42, Rtnl.NLM_F_ACK);
    assertThat(hex(m))
        .isEqualTo(
            // nlmsghdr: len 68, RTM_NEWLINK 16, flags REQUEST|ACK, seq 42, pid 0
            "44000000"
                + "1000"
                + "0500"
                + "2a000000"
                + "00000000"
                // ifinfomsg: family 0, pad, type 0, index 7, flags 0, change 0
                + "00"
                + "00"
                + "0000"
                + "07000000"
                + "00000000"
                + "00000000"
                // IFLA_ADDRESS: len 10, type 1, 6 bytes + 2 padding
                + "0a00"
                + "0100"
                + "0277000000aa"
                + "0000"
                // IFLA_MTU: len 8, type 4, u32 1450
                + "0800"
                + "0400"
                + "aa050000"
                // IFLA_IFALIAS: len 13, type 20, 9 bytes without NUL + 3 padding
                + "0d00"
                + "1400"
                + HEX.formatHex("kubevde/x".getBytes())
                + "000000");
    assertThat(m.remaining()).isEqualTo(68);
  }

  @Test
  void ipv4ForwardingIsOneDevconfEntryNestedInAfSpecAndAfInet() {
    assertThat(hex(Rtnetlink.forwardingRequest(3, true).encode(1)))
        .isEqualTo(
            // len 16 + 16 (ifinfomsg) + 20 (attributes) = 52, RTM_NEWLINK, REQUEST, seq 1
            "34000000"
                + "1000"
                + "0100"
                + "01000000"
                + "00000000"
                // ifinfomsg: AF_UNSPEC, index 3, no flag change
                + "00000000"
                + "03000000"
                + "00000000"
                + "00000000"
                // IFLA_AF_SPEC (26) | NLA_F_NESTED, len 20
                + "1400"
                + "1a80"
                // AF_INET (2) | NESTED, len 16
                + "1000"
                + "0280"
                // IFLA_INET_CONF (1) | NESTED, len 12
                + "0c00"
                + "0180"
                // IPV4_DEVCONF_FORWARDING (1) = 1, u32
                + "0800"
                + "0100"
                + "01000000");
  }

  @Test
  void linkUpSetsAndMasksIffUp() {
    assertThat(hex(Rtnetlink.upRequest(3).encode(1)))
        .isEqualTo(
            "20000000"
                + "1000"
                + "0100"
                + "01000000"
                + "00000000"
                + "00000000"
                + "03000000"
                + "01000000"
                + "01000000");
  }

  @Test
  void ipv4AddressCarriesLocalAndAddressAndIsCreateExclusive() throws Exception {
    ByteBuffer m =
        Rtnetlink.addressRequest(5, InetAddress.getByName("10.77.60.2"), 24, false).encode(9);
    assertThat(hex(m))
        .isEqualTo(
            // len 40, RTM_NEWADDR 20, REQUEST|EXCL|CREATE = 0x601
            "28000000"
                + "1400"
                + "0106"
                + "09000000"
                + "00000000"
                // ifaddrmsg: AF_INET, /24, flags 0, scope 0, index 5
                + "02"
                + "18"
                + "00"
                + "00"
                + "05000000"
                + "0800"
                + "0200"
                + "0a4d3c02" // IFA_LOCAL
                + "0800"
                + "0100"
                + "0a4d3c02"); // IFA_ADDRESS
  }

  @Test
  void ipv6AddressWithoutDadSetsNodadInIfaFlags() throws Exception {
    ByteBuffer m =
        Rtnetlink.addressRequest(5, InetAddress.getByName("fd77::5"), 64, true).encode(1);
    IfAddrMsg h = IfAddrMsg.decode(m, NlMsgHdr.SIZE);
    assertThat(h).isEqualTo(new IfAddrMsg(Rtnl.AF_INET6, 64, Rtnl.IFA_F_NODAD, 0, 5));
    assertThat(m.remaining()).isEqualTo(16 + 8 + 20 + 20);
    assertThat(hex(m.slice(24, 20)))
        .isEqualTo("1400" + "0200" + "fd770000000000000000000000000005");
  }

  @Test
  void routesOnLinkViaGatewayAndDefault() throws Exception {
    ByteBuffer onLink =
        Rtnetlink.routeRequest(InetAddress.getByName("10.78.0.0"), 16, null, 5).encode(1);
    assertThat(hex(onLink))
        .isEqualTo(
            // len 44, RTM_NEWROUTE 24, REQUEST|EXCL|CREATE
            "2c000000"
                + "1800"
                + "0106"
                + "01000000"
                + "00000000"
                // rtmsg: AF_INET, dst /16, src 0, tos 0, main, boot, scope link, unicast, flags
                + "02"
                + "10"
                + "00"
                + "00"
                + "fe"
                + "03"
                + "fd"
                + "01"
                + "00000000"
                + "0800"
                + "0100"
                + "0a4e0000" // RTA_DST
                + "0800"
                + "0400"
                + "05000000"); // RTA_OIF
    ByteBuffer dflt =
        Rtnetlink.routeRequest(
                InetAddress.getByName("0.0.0.0"), 0, InetAddress.getByName("10.77.60.1"), 5)
            .encode(1);
    RtMsg h = RtMsg.decode(dflt, NlMsgHdr.SIZE);
    assertThat(h.dstLen()).isZero();
    assertThat(h.scope()).as("via a gateway: universe").isEqualTo(Rtnl.RT_SCOPE_UNIVERSE);
    var attrs = RtAttr.parse(dflt, NlMsgHdr.SIZE + RtMsg.SIZE, dflt.limit());
    assertThat(attrs).as("no RTA_DST for a default route").containsOnlyKeys(5, 4);
    assertThat(RtAttr.bytes(attrs.get(Rtnl.RTA_GATEWAY))).containsExactly(10, 77, 60, 1);
  }

  @Test
  void headersRoundTrip() {
    for (NlBody b :
        List.<NlBody>of(
            new IfInfoMsg(0, 1, 77, 0x1003, 0),
            new IfAddrMsg(10, 64, 0x80, 253, 12),
            new RtMsg(10, 64, 0, 0, 254, 3, 0, 1, 0))) {
      ByteBuffer buf = ByteBuffer.allocate(b.size()).order(ByteOrder.nativeOrder());
      b.encode(buf);
      assertThat(buf.position()).isEqualTo(b.size());
      NlBody back =
          switch (b) {
            case IfInfoMsg i -> IfInfoMsg.decode(buf, 0);
            case IfAddrMsg a -> IfAddrMsg.decode(buf, 0);
            case RtMsg r -> RtMsg.decode(buf, 0);
          };
      assertThat(back).isEqualTo(b);
    }
  }

  @Test
  void anErrorAnswerGivesErrnoAndTheKernelsExtendedAck() {
    // NLMSG_ERROR, flags CAPPED|ACK_TLVS, error -17 (EEXIST), the echoed request header, then
    // NLMSGERR_ATTR_MSG "exists\0"
    ByteBuffer d =
        buf(
            "30000000"
                + "0200"
                + "0003"
                + "09000000"
                + "00000000"
                + "efffffff"
                + "2c000000"
                + "1400"
                + "0506"
                + "09000000"
                + "00000000"
                + "0b00"
                + "0100"
                + HEX.formatHex("exists".getBytes())
                + "00"
                + "00");
    List<NlMessage> ms = NlMessage.split(d);
    assertThat(ms).hasSize(1);
    assertThat(ms.getFirst().header().type()).isEqualTo(Rtnl.NLMSG_ERROR);
    assertThat(ms.getFirst().errno()).isEqualTo(17);
    assertThat(ms.getFirst().extAck()).isEqualTo("exists");
    NetlinkException e = new NetlinkException("add address 10.0.0.2/24", "net1", 17, "File exists");
    assertThat(e).hasMessage("add address 10.0.0.2/24 on net1: EEXIST (File exists)");
    assertThat(new NetlinkException("x", "", 4242, null)).hasMessage("x: errno 4242");
  }

  @Test
  void anAckHasErrnoZeroAndSeveralMessagesSplitAtAlignedBoundaries() {
    ByteBuffer d =
        buf(
            // a 20-byte NLMSG_DONE (int 0), then an ack (error 0 + capped header)
            "14000000"
                + "0300"
                + "0200"
                + "01000000"
                + "00000000"
                + "00000000"
                + "24000000"
                + "0200"
                + "0001"
                + "02000000"
                + "00000000"
                + "00000000"
                + "10000000"
                + "1000"
                + "0500"
                + "02000000"
                + "00000000");
    List<NlMessage> ms = NlMessage.split(d);
    assertThat(ms).extracting(m -> m.header().type()).containsExactly(3, 2);
    assertThat(ms).extracting(NlMessage::errno).containsExactly(0, 0);
    assertThat(ms.get(1).extAck()).isNull();
  }

  @Test
  void malformedLengthsAreRefused() {
    assertThatThrownBy(
            () -> NlMessage.split(buf("ff000000" + "0200" + "0000" + "00000000" + "00000000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nlmsg_len");
    assertThatThrownBy(() -> RtAttr.parse(buf("0200" + "0100"), 0, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rta_len");
    assertThatThrownBy(() -> RtAttr.parse(buf("0900" + "0100" + "0000"), 0, 8))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aLinkAnswerDecodesNameMacMtuAliasAndNestedKind() {
    ByteBuffer d =
        buf(
            "4c000000"
                + "1000"
                + "0000"
                + "01000000"
                + "00000000"
                // ifinfomsg: type 1 (ether), index 4, flags UP|BROADCAST (0x1003)
                + "00"
                + "00"
                + "0100"
                + "04000000"
                + "03100000"
                + "00000000"
                + "0900"
                + "0300"
                + HEX.formatHex("net1".getBytes())
                + "00"
                + "000000"
                + "0800"
                + "0400"
                + "aa050000"
                + "0a00"
                + "0100"
                + "0277000000aa"
                + "0000"
                // IFLA_LINKINFO (nested flag 0x8000) { IFLA_INFO_KIND "tun\0" }
                + "0c00"
                + "1280"
                + "0800"
                + "0100"
                + HEX.formatHex("tun".getBytes())
                + "00");
    Rtnetlink.Link l = Rtnetlink.decodeLink(NlMessage.split(d).getFirst());
    assertThat(l)
        .isEqualTo(new Rtnetlink.Link(4, "net1", "02:77:00:00:00:aa", 1450, 0x1003, "", "tun"));
    assertThat(l.up()).isTrue();
  }

  @Test
  void anAddressAnswerPrefersIfaLocal() throws Exception {
    ByteBuffer d =
        buf(
            "28000000"
                + "1400"
                + "0200"
                + "01000000"
                + "00000000"
                + "02"
                + "18"
                + "80"
                + "00"
                + "04000000"
                + "0800"
                + "0100"
                + "0a000001" // IFA_ADDRESS (a peer)
                + "0800"
                + "0200"
                + "0a4d3c02"); // IFA_LOCAL
    var a = Rtnetlink.decodeAddress(NlMessage.split(d).getFirst()).orElseThrow();
    assertThat(a).isEqualTo(new Rtnetlink.Address(4, InetAddress.getByName("10.77.60.2"), 24));
  }
}
