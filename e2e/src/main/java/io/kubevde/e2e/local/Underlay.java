package io.kubevde.e2e.local;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The local cluster's "node network": a Linux bridge {@code kvbr<N>} in the host netns with address
 * {@code 10.78.<N>.254/24}, where N (1..250) is the first index whose lock file ({@code
 * /tmp/kubevde-e2e-underlay-<N>.lock}, an flock held while this object lives, deleted on close) is
 * free and whose subnet is on no host interface. Nodes get {@code 10.78.<N>.<i>} on a veth whose
 * host end joins the bridge. Only these private addresses are used; nothing is routed beyond the
 * bridge.
 */
public final class Underlay implements AutoCloseable {
  private final int index;
  private final FileChannel lockFile;
  private final FileLock lock;

  private Underlay(int index, FileChannel lockFile, FileLock lock) {
    this.index = index;
    this.lockFile = lockFile;
    this.lock = lock;
  }

  /** Creates the bridge. @throws IllegalStateException when no index is free or iproute2 fails */
  public static Underlay create() throws IOException {
    String used = Cmd.ok("ip", "-o", "addr", "show");
    int start = (int) (ProcessHandle.current().pid() % 250);
    for (int k = 0; k < 250; k++) {
      int n = 1 + (start + k) % 250;
      if (used.contains(" 10.78." + n + ".") || Cmd.run("ip", "link", "show", "kvbr" + n).ok())
        continue;
      FileChannel ch =
          FileChannel.open(
              Path.of("/tmp/kubevde-e2e-underlay-" + n + ".lock"),
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
      FileLock l = ch.tryLock();
      if (l == null) {
        ch.close();
        continue;
      }
      Underlay u = new Underlay(n, ch, l);
      try {
        Cmd.ok("ip", "link", "add", u.bridge(), "type", "bridge");
        Cmd.ok("ip", "addr", "add", u.hostAddress() + "/24", "dev", u.bridge());
        Cmd.ok("ip", "link", "set", u.bridge(), "up");
        return u;
      } catch (RuntimeException e) {
        u.close();
        throw e;
      }
    }
    throw new IllegalStateException("no free 10.78.N.0/24 underlay index");
  }

  /** The index N. */
  public int index() {
    return index;
  }

  /** The bridge name {@code kvbr<N>}. */
  public String bridge() {
    return "kvbr" + index;
  }

  /** {@code 10.78.<N>.254}: where the kube-apiserver listens. */
  public String hostAddress() {
    return "10.78." + index + ".254";
  }

  /** {@code 10.78.<N>.<i>}: node i's address (i in 1..200). */
  public String nodeAddress(int i) {
    return "10.78." + index + "." + i;
  }

  /**
   * Joins netns {@code netns} as node {@code i}: veth {@code kvh<N>n<i>} (host end, on the bridge)
   * / {@code eth0} (in the netns, {@link #nodeAddress}/24, up), lo up, multicast route 224.0.0.0/4
   * via eth0 (vxvde needs it), default route via the bridge address.
   */
  public void attach(String netns, int i) {
    String host = "kvh" + index + "n" + i;
    String peer = "kvp" + index + "n" + i;
    Cmd.ok("ip", "link", "add", host, "type", "veth", "peer", "name", peer);
    Cmd.ok("ip", "link", "set", peer, "netns", netns);
    Cmd.ok("ip", "link", "set", host, "master", bridge());
    Cmd.ok("ip", "link", "set", host, "up");
    Cmd.okIn(netns, "ip", "link", "set", peer, "name", "eth0");
    Cmd.okIn(netns, "ip", "addr", "add", nodeAddress(i) + "/24", "dev", "eth0");
    Cmd.okIn(netns, "ip", "link", "set", "lo", "up");
    Cmd.okIn(netns, "ip", "link", "set", "eth0", "up");
    Cmd.okIn(netns, "ip", "route", "add", "224.0.0.0/4", "dev", "eth0");
  }

  /** Deletes the bridge (the veths die with their netns) and releases the index. */
  @Override
  public void close() {
    Cmd.run("ip", "link", "del", bridge());
    try {
      Files.deleteIfExists(Path.of("/tmp/kubevde-e2e-underlay-" + index + ".lock"));
      lock.release();
      lockFile.close();
    } catch (IOException ignored) {
      // released by exit anyway
    }
  }
}
