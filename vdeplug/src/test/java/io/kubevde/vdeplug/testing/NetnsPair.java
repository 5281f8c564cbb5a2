package io.kubevde.vdeplug.testing;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Two network namespaces joined by a veth, set up as in vde-protocols.md §11: underlay 10.77.0.1/24
 * and 10.77.0.2/24 (fd77::1/64, fd77::2/64) on {@code vethA}/{@code vethB}, loopback up, a
 * multicast route 224.0.0.0/4 on the veth. Names are unique per instance (prefix {@code kv});
 * {@link #close} deletes both namespaces, which removes the veth and any tap left inside.
 */
public final class NetnsPair implements AutoCloseable {
  /** Underlay IPv4 address of side A. */
  public static final String UNDERLAY_A = "10.77.0.1";

  /** Underlay IPv4 address of side B. */
  public static final String UNDERLAY_B = "10.77.0.2";

  /** Underlay IPv6 address of side A. */
  public static final String UNDERLAY6_A = "fd77::1";

  /** Underlay IPv6 address of side B. */
  public static final String UNDERLAY6_B = "fd77::2";

  private final String a;
  private final String b;
  private final String vethA;
  private final String vethB;

  private NetnsPair(String tag) {
    this.a = "kv" + tag + "A";
    this.b = "kv" + tag + "B";
    this.vethA = "kv" + tag + "a";
    this.vethB = "kv" + tag + "b";
  }

  /** Creates the pair with underlay MTU 1500. */
  public static NetnsPair create() {
    return create(1500);
  }

  /** Creates the pair with the given underlay MTU (bytes). */
  public static NetnsPair create(int mtu) {
    String tag = Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);
    NetnsPair n = new NetnsPair(tag);
    try {
      n.setUp(mtu);
    } catch (RuntimeException e) {
      n.close();
      throw e;
    }
    return n;
  }

  private void setUp(int mtu) {
    Sh.run("ip", "netns", "add", a);
    Sh.run("ip", "netns", "add", b);
    Sh.run(
        "ip",
        "link",
        "add",
        vethA,
        "mtu",
        Integer.toString(mtu),
        "type",
        "veth",
        "peer",
        "name",
        vethB,
        "mtu",
        Integer.toString(mtu));
    Sh.run("ip", "link", "set", vethA, "netns", a);
    Sh.run("ip", "link", "set", vethB, "netns", b);
    configure(a, vethA, UNDERLAY_A, UNDERLAY6_A);
    configure(b, vethB, UNDERLAY_B, UNDERLAY6_B);
  }

  private static void configure(String ns, String dev, String ip4, String ip6) {
    Sh.run("ip", "-n", ns, "link", "set", "lo", "up");
    Sh.run("ip", "-n", ns, "addr", "add", ip4 + "/24", "dev", dev);
    Sh.run("ip", "-n", ns, "-6", "addr", "add", ip6 + "/64", "dev", dev, "nodad");
    Sh.run("ip", "-n", ns, "link", "set", dev, "up");
    Sh.run("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", dev);
  }

  /** Namespace A's name. */
  public String a() {
    return a;
  }

  /** Namespace B's name. */
  public String b() {
    return b;
  }

  /** The veth device inside A. */
  public String vethA() {
    return vethA;
  }

  /** The veth device inside B. */
  public String vethB() {
    return vethB;
  }

  /**
   * Waits (up to {@code timeoutMs}) until {@code dev} exists in {@code ns}, then gives it {@code
   * cidr}, MAC {@code mac} and brings it up: how a test configures the tap a plug created.
   */
  public static void configureTap(String ns, String dev, String cidr, String mac, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (Sh.exec("ip", "-n", ns, "link", "show", dev).exitCode() != 0) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(
            "interface " + dev + " did not appear in netns " + ns + " within " + timeoutMs + " ms");
      }
      sleep(50);
    }
    if (mac != null) Sh.run("ip", "-n", ns, "link", "set", dev, "address", mac);
    Sh.run("ip", "-n", ns, "addr", "add", cidr, "dev", dev);
    Sh.run("ip", "-n", ns, "link", "set", dev, "up");
  }

  /**
   * Pings {@code target} from {@code ns} ({@code count} pings, 0.2 s apart, optional payload {@code
   * size} bytes) and returns the packet loss in percent (100 when ping cannot run).
   */
  public static double pingLoss(String ns, String target, int count, int size) {
    Sh.Result r =
        Sh.exec(
            "ip",
            "netns",
            "exec",
            ns,
            "ping",
            "-c",
            Integer.toString(count),
            "-i",
            "0.2",
            "-W",
            "2",
            "-s",
            Integer.toString(size),
            target);
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("([0-9.]+)% packet loss").matcher(r.output());
    return m.find() ? Double.parseDouble(m.group(1)) : 100.0;
  }

  /**
   * Waits until one ping from {@code ns} to {@code target} succeeds, at most {@code timeoutMs};
   * false if never.
   */
  public static boolean awaitPing(String ns, String target, long timeoutMs) {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (Sh.exec("ip", "netns", "exec", ns, "ping", "-c", "1", "-W", "1", target).exitCode() == 0)
        return true;
    }
    return false;
  }

  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Deletes both namespaces (and with them the veth and any interface inside). */
  @Override
  public void close() {
    Sh.exec("ip", "netns", "del", a);
    Sh.exec("ip", "netns", "del", b);
  }
}
