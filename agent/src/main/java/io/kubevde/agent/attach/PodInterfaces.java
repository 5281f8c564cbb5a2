package io.kubevde.agent.attach;

import io.kubevde.agent.dataplane.Netns;
import io.kubevde.agent.netlink.Rtnetlink;
import io.kubevde.api.net.Cidr;
import io.kubevde.vdeplug.plugin.tap.TapDevice;
import java.io.IOException;
import java.math.BigInteger;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The pod side of an attachment, done in-process: each operation runs on a throw-away platform
 * thread that has entered the pod's network namespace ({@link Netns#call}, setns(2)), creates the
 * tap there ({@link TapDevice#createPersistent}: TUNSETIFF + TUNSETPERSIST) and talks rtnetlink
 * ({@link Rtnetlink}) for the rest: what {@code ip tuntap add}, {@code ip link set}, {@code ip addr
 * add} and {@code ip route add} did, without an exec per ADD and without {@code ip -n}'s /sys
 * remount. Stateless and thread-safe.
 */
public final class PodInterfaces {
  /**
   * A route to add on the pod interface.
   *
   * @param dst the destination prefix
   * @param gateway the next hop, or null for an on-link route
   */
  public record Route(Cidr dst, Cidr.Ip gateway) {}

  /**
   * An interface as the kernel reports it.
   *
   * @param link the link (index, MAC, MTU, alias, kind)
   * @param addresses its addresses ({@code address/prefix})
   */
  public record Shown(Rtnetlink.Link link, List<Cidr> addresses) {}

  /**
   * Creates a persistent tap {@code dev} in the netns at {@code netns} and configures it, in this
   * order: created under a unique temporary name ({@code kvt} + 12 hex digits); MAC, MTU and alias;
   * renamed to {@code dev}; addresses (IPv6 without DAD); up; routes. Either all of it is done or
   * the tap is deleted again. The temporary name means an interface called {@code dev} always
   * carries the alias, even when the agent is killed half-way (kill -9 between creation and alias
   * left an unmarked {@code dev} that no clean-up could prove ours, bench/churn).
   *
   * @param mac {@code aa:bb:cc:dd:ee:ff}
   * @param mtu bytes
   * @return the link read back after configuration (index, MAC, MTU as the kernel has them)
   * @throws IOException when the netns cannot be entered, the name is taken (EBUSY) or the kernel
   *     refuses a step ({@link io.kubevde.agent.netlink.NetlinkException} naming the step, the
   *     interface and the errno)
   */
  public Rtnetlink.Link createTap(
      String netns,
      String dev,
      String mac,
      int mtu,
      String alias,
      List<Cidr> addresses,
      List<Route> routes)
      throws IOException {
    byte[] macBytes = HexFormat.ofDelimiter(":").parseHex(mac);
    if (macBytes.length != 6) throw new IllegalArgumentException("not a MAC address: " + mac);
    return Netns.call(
        netns,
        () -> {
          try (Rtnetlink nl = Rtnetlink.open()) {
            if (nl.link(dev).isPresent()) {
              throw new IOException("an interface " + dev + " already exists in " + netns);
            }
            String tmp = tempName();
            TapDevice.createPersistent(tmp);
            int index = 0;
            try {
              index = TapDevice.ifIndex(tmp);
              if (index == 0) throw new IOException("tap " + tmp + " vanished after creation");
              nl.configure(index, tmp, macBytes, mtu, alias);
              nl.rename(index, tmp, dev);
              for (Cidr c : addresses) nl.addAddress(index, dev, inet(c), c.prefix(), c.v6());
              nl.up(index, dev);
              for (Route r : routes) {
                nl.addRoute(
                    inet(r.dst()),
                    r.dst().prefix(),
                    r.gateway() == null ? null : inet(r.gateway().value(), r.gateway().bits()),
                    index,
                    dev);
              }
              return nl.link(index, dev)
                  .orElseThrow(() -> new IOException("tap " + dev + " vanished while configured"));
            } catch (IOException | RuntimeException e) {
              if (index > 0) {
                try {
                  nl.deleteLink(index, dev);
                } catch (IOException suppressed) {
                  e.addSuppressed(suppressed);
                }
              }
              throw e;
            }
          }
        });
  }

  /** A fresh interface name for a tap being made: {@code kvt} + 12 hex digits (15 characters). */
  static String tempName() {
    byte[] b = new byte[6];
    java.util.concurrent.ThreadLocalRandom.current().nextBytes(b);
    return "kvt" + HexFormat.of().formatHex(b);
  }

  /**
   * The interface {@code dev} in the netns at {@code netns} with its addresses, or empty when there
   * is no such interface.
   *
   * @throws IOException when the netns cannot be entered or the kernel cannot be asked
   */
  public Optional<Shown> show(String netns, String dev) throws IOException {
    return Netns.call(
        netns,
        () -> {
          try (Rtnetlink nl = Rtnetlink.open()) {
            Optional<Rtnetlink.Link> link = nl.link(dev);
            if (link.isEmpty()) return Optional.empty();
            List<Cidr> addrs = new ArrayList<>();
            for (Rtnetlink.Address a : nl.addresses(link.get().index())) {
              byte[] b = a.address().getAddress();
              addrs.add(new Cidr(new BigInteger(1, b), a.prefixLen(), b.length * 8));
            }
            return Optional.of(new Shown(link.get(), addrs));
          }
        });
  }

  /**
   * Deletes interface {@code dev} in the netns at {@code netns} when it exists and {@code ours}
   * accepts it (read and delete by index in one visit).
   *
   * @return whether an interface was deleted
   * @throws IOException when the netns cannot be entered or the kernel refuses
   */
  public boolean deleteIf(String netns, String dev, Predicate<Rtnetlink.Link> ours)
      throws IOException {
    return Netns.call(
        netns,
        () -> {
          try (Rtnetlink nl = Rtnetlink.open()) {
            Optional<Rtnetlink.Link> link = nl.link(dev);
            if (link.isEmpty() || !ours.test(link.get())) return false;
            nl.deleteLink(link.get().index(), dev);
            return true;
          }
        });
  }

  static InetAddress inet(Cidr c) {
    return inet(c.address(), c.bits());
  }

  /** The address {@code v} of {@code bits} (32 or 128) bits; IPv6 stays IPv6 (also v4-mapped). */
  static InetAddress inet(BigInteger v, int bits) {
    byte[] raw = v.toByteArray();
    byte[] b = new byte[bits / 8];
    int n = Math.min(raw.length, b.length);
    System.arraycopy(raw, raw.length - n, b, b.length - n, n);
    try {
      return bits == 128 ? Inet6Address.getByAddress(null, b, null) : InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("bad address length " + bits, e);
    }
  }
}
