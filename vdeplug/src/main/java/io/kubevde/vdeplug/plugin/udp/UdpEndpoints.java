package io.kubevde.vdeplug.plugin.udp;

import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;

/**
 * The parsed argument of {@code udp://[SRCADDR:]SRCPORT->DSTADDR:DSTPORT} (vde-protocols.md §4.2,
 * raw family C: no quoting, no %-decoding). Each side is split at its <b>last</b> {@code :}, so
 * IPv6 literals work without brackets ({@code fd77::1:5000}); brackets ({@code [fd77::1]:5000}) are
 * accepted too. Ports are decimal 0..65535.
 *
 * @param srcHost the local address to bind, empty for the wildcard of the destination's family
 * @param srcPort the local UDP port (0 = any)
 * @param dstHost the peer's host name or address
 * @param dstPort the peer's UDP port
 */
public record UdpEndpoints(Optional<String> srcHost, int srcPort, String dstHost, int dstPort) {

  /**
   * Parses the argument.
   *
   * @param vnl the whole VNL, for messages
   * @param argument the text after {@code udp://}
   * @throws VnlException naming the bad part: missing {@code ->}, missing {@code :PORT} on the
   *     destination, a port that is not a number in 0..65535, an empty destination address
   */
  public static UdpEndpoints parse(String vnl, String argument) {
    int arrow = argument.indexOf("->");
    if (arrow < 0) {
      throw new VnlException(
          vnl,
          "argument '" + argument + "'",
          "missing '->' (expected udp://[SRCADDR:]SRCPORT->DSTADDR:DSTPORT)");
    }
    String src = argument.substring(0, arrow);
    String dst = argument.substring(arrow + 2);
    int dc = dst.lastIndexOf(':');
    if (dc < 0) {
      throw new VnlException(
          vnl, "destination '" + dst + "'", "missing ':PORT' (expected DSTADDR:DSTPORT)");
    }
    String dstHost = unbracket(dst.substring(0, dc));
    if (dstHost.isEmpty())
      throw new VnlException(vnl, "destination '" + dst + "'", "empty address");
    int dstPort = port(vnl, "destination port", dst.substring(dc + 1));
    int sc = src.lastIndexOf(':');
    Optional<String> srcHost =
        sc < 0
            ? Optional.empty()
            : Optional.of(unbracket(src.substring(0, sc))).filter(s -> !s.isEmpty());
    int srcPort = port(vnl, "source port", sc < 0 ? src : src.substring(sc + 1));
    return new UdpEndpoints(srcHost, srcPort, dstHost, dstPort);
  }

  private static String unbracket(String host) {
    return host.length() >= 2 && host.startsWith("[") && host.endsWith("]")
        ? host.substring(1, host.length() - 1)
        : host;
  }

  private static int port(String vnl, String what, String text) {
    try {
      int p = Integer.parseInt(text);
      if (p >= 0 && p <= 65535 && !text.startsWith("+")) return p;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new VnlException(vnl, what + " '" + text + "'", "not a port number 0..65535");
  }

  /**
   * Resolves the destination (first address) and the source in the destination's family (vdeplug4
   * forces the source family to the destination's; an omitted source is that family's wildcard).
   *
   * @return {@code [source, destination]}
   * @throws IOException when a name does not resolve or the source has no address of the
   *     destination's family
   */
  public InetSocketAddress[] resolve() throws IOException {
    InetAddress dst;
    try {
      dst = InetAddress.getAllByName(dstHost)[0];
    } catch (UnknownHostException e) {
      throw new IOException("udp: cannot resolve destination '" + dstHost + "'", e);
    }
    boolean v6 = dst instanceof Inet6Address;
    InetAddress src;
    if (srcHost.isEmpty()) {
      src = InetAddress.getByName(v6 ? "::" : "0.0.0.0");
    } else {
      src = null;
      try {
        for (InetAddress a : InetAddress.getAllByName(srcHost.get())) {
          if (v6 ? a instanceof Inet6Address : a instanceof Inet4Address) {
            src = a;
            break;
          }
        }
      } catch (UnknownHostException e) {
        throw new IOException("udp: cannot resolve source '" + srcHost.get() + "'", e);
      }
      if (src == null) {
        throw new IOException(
            "udp: source '"
                + srcHost.get()
                + "' has no "
                + (v6 ? "IPv6" : "IPv4")
                + " address (the destination "
                + dst.getHostAddress()
                + " decides the family)");
      }
    }
    return new InetSocketAddress[] {
      new InetSocketAddress(src, srcPort), new InetSocketAddress(dst, dstPort)
    };
  }
}
