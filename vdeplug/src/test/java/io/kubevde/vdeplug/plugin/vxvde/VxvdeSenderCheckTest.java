package io.kubevde.vdeplug.plugin.vxvde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.plugin.overlay.MacTable;
import io.kubevde.vdeplug.testing.InNetns;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The sender check with real sockets in two network namespaces ({@link NetnsPair}: A = 10.77.0.1, B
 * = 10.77.0.2, plus a hostile address 10.77.0.3 / fd77::3 on B's veth): forged datagrams with the
 * right VNI and a victim's MAC, sent by {@link ForgedSender}, are counted and never delivered nor
 * learned; the real peer's frames still are.
 */
@Timeout(120)
class VxvdeSenderCheckTest {
  static final long VICTIM = 0x5254_0000_0002L;
  static final long MAC_A = 0x5254_0000_0001L;
  static final long HOSTILE = 0x5254_0000_00eeL;
  static final int N = 100;

  @BeforeEach
  void needsRoot() {
    Requirements.assumeRoot();
    Requirements.assumeTools("ip");
  }

  /**
   * Runs {@code task} on a fresh thread inside network namespace {@code ns}; sockets it opens stay
   * there.
   */
  static <T> T inNetns(String ns, Callable<T> task) throws Exception {
    return InNetns.call(ns, task);
  }

  static NetnsPair pairWithHostileAddress() {
    NetnsPair p = NetnsPair.create();
    try {
      Sh.run("ip", "-n", p.b(), "addr", "add", "10.77.0.3/24", "dev", p.vethB());
      Sh.run("ip", "-n", p.b(), "-6", "addr", "add", "fd77::3/64", "dev", p.vethB(), "nodad");
    } catch (RuntimeException e) {
      p.close();
      throw e;
    }
    return p;
  }

  static VxvdePlug open(String ns, String vnl) throws Exception {
    return inNetns(ns, () -> (VxvdePlug) Plugs.open(vnl, OpenArgs.DEFAULT));
  }

  static ForgedSender forger(String ns, String host, int port) throws Exception {
    return inNetns(
        ns, () -> ForgedSender.bind(new InetSocketAddress(InetAddress.ofLiteral(host), port)));
  }

  static ByteBuffer frame(long dst, long src, int len) {
    ByteBuffer f = ByteBuffer.allocateDirect(len);
    for (int i = 5; i >= 0; i--) f.put((byte) (dst >>> (8 * i)));
    for (int i = 5; i >= 0; i--) f.put((byte) (src >>> (8 * i)));
    while (f.hasRemaining()) f.put((byte) 0x33);
    return f.flip();
  }

  /** The next delivered frame's length (NO_FRAME events skipped), on another thread. */
  static CompletableFuture<Integer> nextFrame(Plug p, ByteBuffer buf) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            int n;
            do {
              buf.clear();
              n = p.receive(buf);
            } while (n == Plug.NO_FRAME);
            return n;
          } catch (IOException e) {
            throw new RuntimeException(e);
          }
        });
  }

  static long source(ByteBuffer frame) {
    long m = 0;
    for (int i = 6; i < 12; i++) m = (m << 8) | (frame.get(i) & 0xFF);
    return m;
  }

  @Test
  void unicastModeDropsEveryDatagramOfANonPeerAndDeliversThePeers() throws Exception {
    try (NetnsPair pair = pairWithHostileAddress()) {
      VxvdePlug a = open(pair.a(), "vxvde:///vni=42/bind=10.77.0.1/peers=10.77.0.2");
      VxvdePlug b = open(pair.b(), "vxvde:///vni=42/bind=10.77.0.2/peers=10.77.0.1");
      try (ForgedSender samePort = forger(pair.b(), "10.77.0.3", 14789);
          ForgedSender anyPort = forger(pair.b(), "10.77.0.3", 0);
          ForgedSender peerIpOtherPort = forger(pair.b(), "10.77.0.2", 0)) {
        ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
        InetSocketAddress peer = new InetSocketAddress("10.77.0.2", 14789);
        // the victim, behind B, broadcasts: A delivers it and learns VICTIM -> B
        CompletableFuture<Integer> first = nextFrame(a, buf);
        b.send(frame(ForgedSender.BROADCAST, VICTIM, 60));
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(60);
        assertThat(a.table().lookup(MacTable.key(VICTIM, 1), System.currentTimeMillis()))
            .isEqualTo(peer);

        CompletableFuture<Integer> next = nextFrame(a, buf);
        InetSocketAddress toA = new InetSocketAddress("10.77.0.1", 14789);
        samePort.send(toA, 42, VICTIM, ForgedSender.BROADCAST, 60, N);
        anyPort.send(toA, 42, VICTIM, MAC_A, 60, N);
        peerIpOtherPort.send(toA, 42, HOSTILE, ForgedSender.BROADCAST, 60, N);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.vxvdeStats().notAPeer() == 3L * N);
        assertThat(next).as("no forged frame was delivered").isNotDone();
        assertThat(a.table().lookup(MacTable.key(VICTIM, 1), System.currentTimeMillis()))
            .as("the victim's entry still points to the peer")
            .isEqualTo(peer);
        assertThat(a.table().lookup(MacTable.key(HOSTILE, 1), System.currentTimeMillis())).isNull();
        assertThat(a.table().size()).isEqualTo(1);

        b.send(frame(MAC_A, VICTIM, 77));
        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo(77);
        assertThat(source(buf)).isEqualTo(VICTIM);
        VxvdeStats s = a.vxvdeStats();
        assertThat(s.rxFrames()).isEqualTo(2);
        assertThat(s.notAPeer()).isEqualTo(3L * N);
        assertThat(s.senderNotAllowed() + s.badHeader() + s.wrongVni() + s.malformed()).isZero();
      } finally {
        a.close();
        b.close();
      }
    }
  }

  @Test
  void multicastModeWithAllowDropsSendersOutsideThePrefixesAndAcceptsThoseInside()
      throws Exception {
    try (NetnsPair pair = pairWithHostileAddress()) {
      VxvdePlug a = open(pair.a(), "vxvde://239.1.2.7/vni=9/allow='10.77.0.2/32,fd77::2/128'");
      try (ForgedSender outside = forger(pair.b(), "10.77.0.3", 0);
          ForgedSender inside = forger(pair.b(), "10.77.0.2", 0)) {
        ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
        CompletableFuture<Integer> next = nextFrame(a, buf);
        InetSocketAddress group = new InetSocketAddress("239.1.2.7", 14789);
        outside.send(group, 9, VICTIM, ForgedSender.BROADCAST, 60, N);
        await().atMost(Duration.ofSeconds(10)).until(() -> a.vxvdeStats().senderNotAllowed() == N);
        assertThat(next).isNotDone();
        assertThat(a.table().size()).isZero();

        inside.send(group, 9, VICTIM, ForgedSender.BROADCAST, 88, 1);
        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo(88);
        assertThat(a.table().lookup(MacTable.key(VICTIM, 1), System.currentTimeMillis()))
            .isEqualTo(inside.localAddress());
        assertThat(a.vxvdeStats().senderNotAllowed()).isEqualTo(N);
        assertThat(a.vxvdeStats().notAPeer()).isZero();
      } finally {
        a.close();
      }
    }
  }

  @Test
  void unicastModeWithAllowAppliesBothChecksToIpv6Senders() throws Exception {
    // (IPv6 in unicast mode: the JDK lists IPv6 interfaces from /proc/net of the process, so a
    // multicast-mode plug
    // cannot pick its interface from a thread that entered another namespace)
    try (NetnsPair pair = pairWithHostileAddress()) {
      VxvdePlug a =
          open(
              pair.a(), "vxvde:///v6/vni=9/bind=fd77::1/peers=fd77::2,fd77::3/allow='fd77::2/128'");
      try (ForgedSender peerNotAllowed = forger(pair.b(), "fd77::3", 14789);
          ForgedSender notAPeer = forger(pair.b(), "fd77::2", 0);
          ForgedSender peer = forger(pair.b(), "fd77::2", 14789)) {
        ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
        CompletableFuture<Integer> next = nextFrame(a, buf);
        InetSocketAddress toA = new InetSocketAddress(InetAddress.ofLiteral("fd77::1"), 14789);
        peerNotAllowed.send(toA, 9, VICTIM, ForgedSender.BROADCAST, 60, N);
        notAPeer.send(toA, 9, VICTIM, ForgedSender.BROADCAST, 60, N);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> a.vxvdeStats().senderNotAllowed() == N && a.vxvdeStats().notAPeer() == N);
        assertThat(next).isNotDone();
        assertThat(a.table().size()).isZero();

        peer.send(toA, 9, VICTIM, ForgedSender.BROADCAST, 66, 1);
        assertThat(next.get(10, TimeUnit.SECONDS)).isEqualTo(66);
        assertThat(a.table().lookup(MacTable.key(VICTIM, 1), System.currentTimeMillis()))
            .isEqualTo(peer.localAddress());
      } finally {
        a.close();
      }
    }
  }
}
