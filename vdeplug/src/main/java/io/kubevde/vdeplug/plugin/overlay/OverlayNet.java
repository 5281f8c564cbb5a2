package io.kubevde.vdeplug.plugin.overlay;

import io.kubevde.vdeplug.vnl.VnlOptions;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ProtocolFamily;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;

/**
 * Network helpers shared by the UDP overlays (vxlan, vxvde): option value conversions of
 * vde-protocols.md §1.2 ({@code port} as a number or service name, {@code vni}/{@code grp} as a
 * number or group name), the interface a multicast group is routed through, and this host's
 * addresses (self-echo suppression, §13).
 */
public final class OverlayNet {
  private OverlayNet() {}

  /** The protocol family of an address. */
  public static ProtocolFamily familyOf(InetAddress a) {
    return a instanceof Inet6Address ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET;
  }

  /**
   * A UDP port option: a decimal number 1..65535 or a service name from {@code /etc/services}
   * (getaddrinfo's service lookup in vdeplug4), or {@code dflt} when absent/empty.
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException when neither
   */
  public static int port(VnlOptions o, String key, int dflt) {
    String v = o.get(key).orElse("");
    if (v.isEmpty()) return dflt;
    if (v.chars().allMatch(Character::isDigit)) return o.intValue(key, dflt, 1, 65535);
    try {
      for (String line : Files.readAllLines(Path.of("/etc/services"), StandardCharsets.UTF_8)) {
        String[] f = line.replaceAll("#.*", "").trim().split("\\s+");
        if (f.length < 2 || !f[1].endsWith("/udp")) continue;
        boolean hit = f[0].equals(v);
        for (int i = 2; i < f.length && !hit; i++) hit = f[i].equals(v);
        if (hit) return Integer.parseInt(f[1].substring(0, f[1].indexOf('/')));
      }
    } catch (IOException | RuntimeException e) {
      // fall through to the error below
    }
    throw o.bad(key, v, "not a port number or a known UDP service name");
  }

  /**
   * vxvde's {@code vni}/{@code grp} value (vde-protocols.md §1.2): a decimal number, a group name
   * (→ its gid from {@code /etc/group}), or empty (→ this process's effective gid).
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException for an unknown group name or a negative number
   */
  public static long gidValue(VnlOptions o, String key) {
    String v = o.get(key).orElseThrow();
    if (v.isEmpty()) return effectiveGid();
    if (v.chars().allMatch(Character::isDigit)) {
      try {
        return Long.parseLong(v);
      } catch (NumberFormatException e) {
        throw o.bad(key, v, "number too large");
      }
    }
    try {
      for (String line : Files.readAllLines(Path.of("/etc/group"), StandardCharsets.UTF_8)) {
        String[] f = line.split(":");
        if (f.length >= 3 && f[0].equals(v)) return Long.parseLong(f[2]);
      }
    } catch (IOException | NumberFormatException e) {
      // fall through
    }
    throw o.bad(key, v, "not a number and not a group name");
  }

  /** This process's effective gid (from {@code /proc/self/status}), 0 if unknown. */
  public static long effectiveGid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Gid:"))
          return Long.parseLong(line.substring(4).trim().split("\\s+")[1]);
      }
    } catch (IOException | RuntimeException e) {
      // unknown
    }
    return 0;
  }

  /**
   * The interface to use for {@code group}: the named one when {@code ifName} is given, else the
   * one the kernel routes the group through (found by connecting a throw-away UDP socket, which
   * sends nothing), else the first up, multicast-capable, non-loopback interface.
   *
   * @throws IOException when {@code ifName} does not exist, or no interface can reach the group
   *     (vdeplug4 fails with ENODEV/ENETUNREACH: add a multicast route, e.g. {@code ip route add
   *     224.0.0.0/4 dev X}, or give {@code /if=X})
   */
  public static NetworkInterface multicastInterface(InetAddress group, String ifName)
      throws IOException {
    if (ifName != null && !ifName.isEmpty()) {
      NetworkInterface ni = NetworkInterface.getByName(ifName);
      if (ni == null) throw new IOException("no such interface '" + ifName + "' (option if=)");
      return ni;
    }
    IOException routeError = null;
    try (DatagramChannel probe = DatagramChannel.open(familyOf(group))) {
      probe.connect(new InetSocketAddress(group, 9));
      InetAddress local = ((InetSocketAddress) probe.getLocalAddress()).getAddress();
      NetworkInterface ni = NetworkInterface.getByInetAddress(local);
      if (ni != null && ni.supportsMulticast()) return ni;
    } catch (IOException e) {
      routeError = e;
    }
    if (group instanceof Inet6Address) {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (ni.isUp() && !ni.isLoopback() && ni.supportsMulticast()) return ni;
      }
    }
    throw new IOException(
        "no route to multicast group "
            + group.getHostAddress()
            + (routeError == null ? "" : " (" + routeError.getMessage() + ")")
            + ": add a multicast route (ip route add 224.0.0.0/4 dev IFACE) or give /if=IFACE");
  }

  /** Every address of every interface of this host (network namespace), IPv4 and IPv6. */
  public static Set<InetAddress> localAddresses() {
    Set<InetAddress> out = new HashSet<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) out.add(plain(a));
      }
    } catch (SocketException e) {
      // no interfaces readable: only the loopback rule remains
    }
    return out;
  }

  /** The address without an IPv6 scope, so that equality is by address bytes only. */
  public static InetAddress plain(InetAddress a) {
    if (a instanceof Inet6Address six && six.getScopeId() != 0) {
      try {
        return InetAddress.getByAddress(six.getAddress());
      } catch (java.net.UnknownHostException e) {
        return a;
      }
    }
    return a;
  }

  /**
   * Resolves {@code host} (a literal or a name) to an address of the requested family (or any
   * family when null).
   *
   * @throws java.net.UnknownHostException when it does not resolve, or not in that family
   */
  public static InetAddress resolve(String host, ProtocolFamily family)
      throws java.net.UnknownHostException {
    for (InetAddress a : InetAddress.getAllByName(host)) {
      if (family == null || familyOf(a) == family) return a;
    }
    throw new java.net.UnknownHostException(
        host
            + " has no "
            + (family == StandardProtocolFamily.INET6 ? "IPv6" : "IPv4")
            + " address");
  }

  /** Whether {@code a} is IPv4. */
  public static boolean isV4(InetAddress a) {
    return a instanceof Inet4Address;
  }
}
