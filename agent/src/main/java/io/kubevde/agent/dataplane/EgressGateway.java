package io.kubevde.agent.dataplane;

import io.kubevde.agent.netlink.Rtnetlink;
import io.kubevde.api.agent.AgentNetworkConfig;
import io.kubevde.api.net.Cidr;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import io.kubevde.vdeplug.plugin.tap.TapPlug;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One egress network's gateway on this node (agent/README.md "Egress"): a tap {@code kvg<12 hex>}
 * in the node's network namespace, holding the network's gateway address with the subnet's prefix
 * and a MAC derived from the network's name — the same address and MAC on every node (a distributed
 * anycast gateway; {@link GatewayGuardPlug} keeps it off the uplink) — with IPv4 forwarding on and
 * IPv6 off, joined to the network's switch as a port. The tap is not persistent: it disappears with
 * its file descriptor, so a stopped or killed agent leaves no gateway behind. The masquerade and
 * filter rules are {@link EgressFirewall}'s.
 *
 * @param network the network key {@code <ns>/<name>}
 * @param ifName the tap's name
 * @param gateway the gateway address
 * @param subnet the network's IPv4 subnet (network form)
 * @param plug the open tap (a switch port once attached)
 */
public record EgressGateway(
    String network, String ifName, String gateway, String subnet, TapPlug plug)
    implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(EgressGateway.class);

  /** Prefix of every gateway interface name (the firewall matches {@code kvg*}). */
  public static final String IF_PREFIX = "kvg";

  /**
   * @param network a network key {@code <ns>/<name>}
   * @return its gateway interface name: {@value #IF_PREFIX} + 12 hex digits of SHA-256 of the key
   *     (15 bytes, IFNAMSIZ − 1)
   */
  public static String interfaceName(String network) {
    return IF_PREFIX + HexFormat.of().formatHex(digest("if:" + network), 0, 6);
  }

  /**
   * @param cfg a network
   * @return its gateway's MAC (locally administered unicast {@code 02:…}, 5 bytes of SHA-256 of the
   *     key: the same on every node), or null when the network has no egress
   */
  public static byte[] macOf(AgentNetworkConfig cfg) {
    if (cfg == null || !cfg.egressNat()) return null;
    byte[] d = digest("mac:" + cfg.key());
    return new byte[] {0x02, d[0], d[1], d[2], d[3], d[4]};
  }

  private static byte[] digest(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Creates the gateway tap of {@code cfg} in {@code netns} and configures it (MAC, MTU, alias,
   * address, forwarding on, IPv6 off, up).
   *
   * @param cfg a network with {@link AgentNetworkConfig#egressNat()}
   * @param netns the node's netns path, or null for the calling process's
   * @param mtu the tap's MTU (the network's pod MTU)
   * @return the open gateway (not yet a switch port)
   * @throws IOException when the tap cannot be created (its name taken: EBUSY) or configured
   */
  public static EgressGateway open(AgentNetworkConfig cfg, String netns, int mtu)
      throws IOException {
    if (!cfg.egressNat()) throw new IllegalArgumentException(cfg.key() + " has no egress");
    String name = interfaceName(cfg.key());
    Cidr subnet = Cidr.parseNetwork(cfg.subnet());
    Cidr gw = Cidr.parse(cfg.gateway());
    String gwIp = Cidr.format(gw.address(), false);
    java.util.concurrent.Callable<TapDevice> make =
        () -> {
          TapDevice tap = TapDevice.open(name);
          try (Rtnetlink rt = Rtnetlink.open()) {
            int index = rt.link(name).orElseThrow(() -> new IOException("no " + name)).index();
            rt.configure(index, name, macOf(cfg), mtu, "kubevde egress gateway " + cfg.key());
            rt.setIpv4Forwarding(index, name, true);
            // best effort (a container's /proc/sys is read-only): the firewall drops IPv6 from
            // the gateway and GatewayGuardPlug keeps its frames local anyway
            sysctl("ipv6/conf/" + name + "/disable_ipv6", "1");
            rt.addAddress(index, name, InetAddress.getByName(gwIp), subnet.prefix(), false);
            rt.up(index, name);
            if (!"1".equals(readSysctl("ipv4/ip_forward")))
              LOG.warn(
                  "network {}: net.ipv4.ip_forward is 0 on this node: replies to the gateway's"
                      + " masqueraded traffic are not forwarded back (Kubernetes nodes run with 1)",
                  cfg.key());
          } catch (IOException | RuntimeException e) {
            tap.close();
            throw e;
          }
          return tap;
        };
    TapDevice tap;
    try {
      tap = netns == null ? make.call() : Netns.call(netns, make);
    } catch (IOException | RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IOException(e);
    }
    LOG.info("network {}: egress gateway {} {}/{}", cfg.key(), name, gwIp, subnet.prefix());
    return new EgressGateway(cfg.key(), name, gwIp, subnet.toString(), new TapPlug(tap));
  }

  private static void sysctl(String key, String value) {
    try {
      Files.writeString(Path.of("/proc/sys/net", key), value);
    } catch (IOException e) {
      LOG.debug("sysctl {}: {}", key, e.toString());
    }
  }

  private static String readSysctl(String key) {
    try {
      return Files.readString(Path.of("/proc/sys/net", key)).strip();
    } catch (IOException e) {
      return "";
    }
  }

  /**
   * @param cfg a network config
   * @return whether this gateway is what {@code cfg} wants (same address and subnet)
   */
  public boolean serves(AgentNetworkConfig cfg) {
    return cfg.egressNat()
        && cfg.key().equals(network)
        && Cidr.format(Cidr.parse(cfg.gateway()).address(), false).equals(gateway)
        && Cidr.parseNetwork(cfg.subnet()).toString().equals(subnet);
  }

  /** Closes the tap (the interface disappears with it); idempotent. */
  @Override
  public void close() {
    try {
      plug.close();
    } catch (RuntimeException e) {
      LOG.debug("close gateway {}", ifName, e);
    }
  }
}
