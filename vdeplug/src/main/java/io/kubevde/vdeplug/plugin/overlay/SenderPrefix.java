package io.kubevde.vdeplug.plugin.overlay;

import io.kubevde.vdeplug.vnl.VnlException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of vxvde's {@code allow=} list: an IPv4 or IPv6 prefix ({@code 10.0.0.0/8}, {@code
 * fd00::/8}, or a bare address meaning {@code /32} / {@code /128}). Host bits below the prefix are
 * ignored ({@code 10.1.2.3/8} is {@code 10.0.0.0/8}).
 *
 * @param network the prefix address with its host bits cleared
 * @param length the prefix length in bits (0..32 for IPv4, 0..128 for IPv6)
 */
public record SenderPrefix(InetAddress network, int length) {

  public SenderPrefix {
    int bits = network.getAddress().length * 8;
    if (length < 0 || length > bits) {
      throw new IllegalArgumentException("prefix length " + length + " out of range 0.." + bits);
    }
    network = masked(network, length);
  }

  /** Whether this is an IPv6 prefix. */
  public boolean ipv6() {
    return network instanceof Inet6Address;
  }

  /**
   * Parses {@code ADDRESS[/LENGTH]}; the address must be a literal (no name lookup).
   *
   * @throws IllegalArgumentException naming the problem (not an address literal, bad length)
   */
  public static SenderPrefix parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    InetAddress a;
    try {
      a = OverlayNet.plain(InetAddress.ofLiteral(addr)); // never a name lookup
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not an IPv4 or IPv6 address literal");
    }
    int bits = a.getAddress().length * 8;
    int length = bits;
    if (slash >= 0) {
      try {
        length = Integer.parseInt(t.substring(slash + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("prefix length is not a number");
      }
    }
    return new SenderPrefix(a, length);
  }

  /**
   * Whether {@code a} (of either family) lies inside this prefix; an address of the other family
   * never does.
   */
  public boolean contains(InetAddress a) {
    InetAddress p = OverlayNet.plain(a);
    return p.getAddress().length == network.getAddress().length
        && masked(p, length).equals(network);
  }

  private static InetAddress masked(InetAddress a, int length) {
    byte[] b = a.getAddress();
    for (int i = 0; i < b.length; i++) {
      int keep = Math.max(0, Math.min(8, length - 8 * i));
      b[i] &= (byte) (0xFF00 >>> keep);
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Parses an {@code allow=} list (vxvde, vxlan): prefixes separated by {@code ,}, each {@code
   * ADDRESS[/LENGTH]} (IPv4 or IPv6; both families may be mixed, a plug uses those of its family).
   *
   * @param vnl the whole VNL (for the error message)
   * @param list the option's value
   * @throws VnlException naming the bad entry, or for an empty list
   */
  public static List<SenderPrefix> parseList(String vnl, String list) {
    List<SenderPrefix> out = new ArrayList<>();
    for (String raw : list.split(",")) {
      String e = raw.trim();
      if (e.isEmpty()) continue;
      try {
        out.add(parse(e));
      } catch (IllegalArgumentException ex) {
        throw new VnlException(vnl, "allow entry '" + e + "'", ex.getMessage());
      }
    }
    if (out.isEmpty()) throw new VnlException(vnl, "option 'allow='", "empty prefix list");
    return List.copyOf(out);
  }

  @Override
  public String toString() {
    return network.getHostAddress() + "/" + length;
  }
}
