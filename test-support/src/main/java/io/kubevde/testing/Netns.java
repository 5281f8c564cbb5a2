package io.kubevde.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Network namespaces for one test (root): unique names ({@code <prefix><random tag><index>}, so
 * concurrent test runs on one host do not clash), all deleted by {@link #close}, with the devices
 * in them.
 */
public final class Netns implements AutoCloseable {
  private final List<String> names = new ArrayList<>();
  private final String prefix;
  private final String tag =
      Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20, 1 << 24), 36);

  /** Namespaces named {@code kvc...}. */
  public Netns() {
    this("kvc");
  }

  /**
   * @param prefix the start of every name (keep it short: names are at most 255 bytes, device names
   *     15)
   */
  public Netns(String prefix) {
    this.prefix = prefix;
  }

  /**
   * Creates one more namespace ({@code ip netns add}).
   *
   * @return its name; its path is {@link #path(String)}
   * @throws IllegalStateException if {@code ip netns add} fails
   */
  public synchronized String create() {
    String n = prefix + tag + names.size();
    names.add(n);
    Sh.run("ip", "netns", "add", n);
    return n;
  }

  /**
   * @param name a namespace name
   * @return its bind-mount path, {@code /var/run/netns/NAME} (what CNI_NETNS holds)
   */
  public static String path(String name) {
    return "/var/run/netns/" + name;
  }

  /**
   * Deletes every namespace this object created (best effort: one that is already gone is skipped).
   */
  @Override
  public synchronized void close() {
    for (String n : names) Sh.exec("ip", "netns", "del", n);
    names.clear();
  }
}
