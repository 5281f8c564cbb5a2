package io.kubevde.vdeplug.plugin.overlay;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@link UdpSocket} on the loopback addresses: batched receive, sender decoding and caching,
 * truncation.
 */
class UdpSocketTest {

  static void await(UdpSocket s, int atLeast) throws Exception {
    long deadline = System.currentTimeMillis() + 5000;
    int n;
    while ((n = s.receiveBatch()) < atLeast) {
      if (n > 0) throw new AssertionError("got only " + n + " datagrams");
      if (System.currentTimeMillis() > deadline) throw new AssertionError("nothing received");
      Thread.sleep(10);
    }
  }

  @Test
  void receivesABatchWithSendersOverIpv4() throws Exception {
    try (UdpSocket rx = UdpSocket.open(StandardProtocolFamily.INET, 100);
        UdpSocket tx = UdpSocket.open(StandardProtocolFamily.INET, 100)) {
      rx.bind(InetAddress.getByName("127.0.0.1"), 0);
      tx.bind(InetAddress.getByName("127.0.0.1"), 0);
      InetSocketAddress to = rx.localAddress();
      ByteBuffer b = ByteBuffer.allocateDirect(200);
      for (int i = 0; i < 5; i++) {
        b.clear().put((byte) i).put(new byte[9 + i]).flip();
        assertThat(tx.sendTo(b, to)).isEqualTo(10 + i);
      }
      b.clear().put(new byte[150]).flip();
      tx.sendTo(b, to);
      Thread.sleep(100);
      assertThat(rx.receiveBatch()).isEqualTo(6);
      for (int i = 0; i < 5; i++) {
        assertThat(rx.length(i)).isEqualTo(10 + i);
        assertThat(rx.data(i).get(0)).isEqualTo((byte) i);
        assertThat(rx.truncated(i)).isFalse();
        assertThat(rx.sender(i)).isEqualTo(tx.localAddress());
      }
      assertThat(rx.sender(0)).isSameAs(rx.sender(1)); // cached, no allocation per datagram
      assertThat(rx.truncated(5)).isTrue();
      assertThat(rx.length(5)).isEqualTo(100);
      assertThat(rx.receiveBatch()).isZero();
    }
  }

  @Test
  void worksOverIpv6() throws Exception {
    try (UdpSocket rx = UdpSocket.open(StandardProtocolFamily.INET6, 100);
        UdpSocket tx = UdpSocket.open(StandardProtocolFamily.INET6, 100)) {
      rx.bind(InetAddress.getByName("::1"), 0);
      tx.bind(null, 0);
      ByteBuffer b = ByteBuffer.allocateDirect(20).put(new byte[] {1, 2, 3}).flip();
      tx.sendTo(b, rx.localAddress());
      await(rx, 1);
      assertThat(rx.length(0)).isEqualTo(3);
      assertThat(rx.sender(0))
          .isEqualTo(
              new InetSocketAddress(InetAddress.getByName("::1"), tx.localAddress().getPort()));
    }
  }
}
