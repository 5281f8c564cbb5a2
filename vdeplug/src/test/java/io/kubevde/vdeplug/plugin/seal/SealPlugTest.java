package io.kubevde.vdeplug.plugin.seal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.FrameQueue;
import io.kubevde.vdeplug.vnl.VnlException;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two {@code seal://KEYFILE{udp://...}} plugs on loopback, opened by VNL like any user would. */
class SealPlugTest {
  private static final String A_MAC = "52:54:00:00:00:0a";
  private static final String B_MAC = "52:54:00:00:00:0b";

  @TempDir Path dir;

  private static String sealVnl(Path keys, String options, int from, int to) {
    return "seal://" + keys + options + "{udp://127.0.0.1:" + from + "->127.0.0.1:" + to + "}";
  }

  private static byte[] frame(String dst, String src, String payload) {
    return EthFrames.frame(dst, src, EthFrames.TEST_TYPE, payload);
  }

  @Test
  void twoSealedUdpPlugsExchangeFramesBothWays() throws Exception {
    byte[] key = SealTestKeys.randomKey();
    Path ka = SealTestKeys.writePrivate(dir.resolve("a.keys"), KeyFile.line(5, key, false) + "\n");
    Path kb = SealTestKeys.writePrivate(dir.resolve("b.keys"), KeyFile.line(5, key, false) + "\n");
    int[] p = SealTestKeys.freeUdpPorts();
    try (FrameQueue a = new FrameQueue(Plugs.open(sealVnl(ka, "", p[0], p[1]), OpenArgs.DEFAULT));
        FrameQueue b = new FrameQueue(Plugs.open(sealVnl(kb, "", p[1], p[0]), OpenArgs.DEFAULT))) {
      assertThat(a.plug()).isInstanceOf(SealPlug.class);
      for (int i = 0; i < 50; i++) {
        byte[] ab = frame(B_MAC, A_MAC, "a->b " + i + " " + "x".repeat(i * 29));
        a.send(ab);
        assertThat(b.poll(5000)).as("frame %d a->b", i).isEqualTo(ab);
        byte[] ba = frame(A_MAC, B_MAC, "b->a " + i);
        b.send(ba);
        assertThat(a.poll(5000)).as("frame %d b->a", i).isEqualTo(ba);
      }
      byte[] biggest = new byte[SealFormat.MAX_FRAME];
      System.arraycopy(frame(B_MAC, A_MAC, "max"), 0, biggest, 0, 17);
      a.send(biggest);
      assertThat(b.poll(5000)).as("a %d-byte frame", SealFormat.MAX_FRAME).isEqualTo(biggest);
      a.send(new byte[SealFormat.MAX_FRAME + 1]);
      SealPlug sa = (SealPlug) a.plug();
      assertThat(sa.sealStats().oversize()).isEqualTo(1);
      assertThat(sa.stats().txFrames()).isEqualTo(51);
      assertThat(((SealPlug) b.plug()).sealStats().of(Verdict.OPENED)).isEqualTo(51);
      assertThat(b.plug().stats().rxBytes()).isEqualTo(a.plug().stats().txBytes());
    }
  }

  @Test
  void wireCarriesOnlyMacsInClearAndCapturedDatagramsAreRejectedWhenReplayed() throws Exception {
    byte[] key = SealTestKeys.randomKey();
    Path ka = SealTestKeys.writePrivate(dir.resolve("a.keys"), KeyFile.line(1, key, false));
    Path kb = SealTestKeys.writePrivate(dir.resolve("b.keys"), KeyFile.line(1, key, false));
    int[] p = SealTestKeys.freeUdpPorts();
    try (DatagramSocket tap = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        Plug a = Plugs.open(sealVnl(ka, "", p[0], tap.getLocalPort()), OpenArgs.DEFAULT);
        FrameQueue b = new FrameQueue(Plugs.open(sealVnl(kb, "", p[1], p[0]), OpenArgs.DEFAULT))) {
      tap.setSoTimeout(5000);
      String secret = "the password is swordfish";
      byte[] f = frame(B_MAC, A_MAC, secret);
      a.send(EthFrames.direct(f));
      DatagramPacket got = new DatagramPacket(new byte[10000], 10000);
      tap.receive(got);
      byte[] wire = Arrays.copyOf(got.getData(), got.getLength());
      assertThat(wire.length).isEqualTo(f.length + SealFormat.OVERHEAD);
      assertThat(Arrays.copyOf(wire, 12)).as("MACs in clear").isEqualTo(Arrays.copyOf(f, 12));
      assertThat(ByteBuffer.wrap(wire).getShort(12) & 0xffff).isEqualTo(0x88B6);
      assertThat(new String(wire, StandardCharsets.ISO_8859_1)).doesNotContain("swordfish");
      // the eavesdropper delivers the captured datagram to b: accepted once (it is authentic), then
      // a replay
      InetSocketAddress bAddr = new InetSocketAddress(InetAddress.getLoopbackAddress(), p[1]);
      tap.send(new DatagramPacket(wire, wire.length, bAddr));
      assertThat(b.poll(5000)).isEqualTo(f);
      for (int i = 0; i < 3; i++) tap.send(new DatagramPacket(wire, wire.length, bAddr));
      SealPlug sb = (SealPlug) b.plug();
      await().atMost(Duration.ofSeconds(5)).until(() -> sb.sealStats().of(Verdict.REPLAY) == 3);
      assertThat(b.poll(200)).as("no replayed frame delivered").isNull();
      assertThat(sb.stats().droppedCount()).isEqualTo(3);
    }
  }

  @Test
  void plainAndForgedDatagramsInjectedIntoTheInnerTransportAreDroppedAndCounted() throws Exception {
    byte[] key = SealTestKeys.randomKey();
    Path ka = SealTestKeys.writePrivate(dir.resolve("a.keys"), KeyFile.line(1, key, false));
    Path kb = SealTestKeys.writePrivate(dir.resolve("b.keys"), KeyFile.line(1, key, false));
    int[] p = SealTestKeys.freeUdpPorts();
    try (DatagramSocket attacker = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        FrameQueue b = new FrameQueue(Plugs.open(sealVnl(kb, "", p[1], p[0]), OpenArgs.DEFAULT))) {
      InetSocketAddress bAddr = new InetSocketAddress(InetAddress.getLoopbackAddress(), p[1]);
      byte[] plain = frame(B_MAC, A_MAC, "plain frame, no seal");
      attacker.send(new DatagramPacket(plain, plain.length, bAddr));
      // looks sealed, key id 1, but the tag is garbage
      ByteBuffer forged = ByteBuffer.allocate(100);
      forged.put(EthFrames.mac(B_MAC)).put(EthFrames.mac(A_MAC));
      new SealHeader(1, 1234, 1).writeTo(forged);
      attacker.send(new DatagramPacket(forged.array(), 100, bAddr));
      new SealHeader(9, 1234, 2).writeTo(forged);
      attacker.send(new DatagramPacket(forged.array(), 100, bAddr));
      SealPlug sb = (SealPlug) b.plug();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> sb.sealStats().of(Verdict.UNKNOWN_KEY) == 1);
      assertThat(sb.sealStats().of(Verdict.MALFORMED)).isEqualTo(1);
      assertThat(sb.sealStats().of(Verdict.BAD_TAG)).isEqualTo(1);
      assertThat(sb.stats().malformedCount()).isEqualTo(3);
      assertThat(b.poll(200)).as("nothing delivered").isNull();
      // the plug is still fine for authentic traffic
      try (Plug a = Plugs.open(sealVnl(ka, "", p[0], p[1]), OpenArgs.DEFAULT)) {
        byte[] f = frame(B_MAC, A_MAC, "authentic");
        a.send(EthFrames.direct(f));
        assertThat(b.poll(5000)).isEqualTo(f);
      }
    }
  }

  @Test
  void keyRotationLosesNoFrameAndARetiredKeyIsRejected() throws Exception {
    byte[] k1 = SealTestKeys.randomKey();
    byte[] k2 = SealTestKeys.randomKey();
    String old = KeyFile.line(1, k1, false) + "\n";
    Path ka = SealTestKeys.writePrivate(dir.resolve("a.keys"), old);
    Path kb = SealTestKeys.writePrivate(dir.resolve("b.keys"), old);
    int[] p = SealTestKeys.freeUdpPorts();
    try (FrameQueue b = new FrameQueue(Plugs.open(sealVnl(kb, "", p[1], p[0]), OpenArgs.DEFAULT));
        Plug a = Plugs.open(sealVnl(ka, "", p[0], p[1]), OpenArgs.DEFAULT)) {
      SealPlug sa = (SealPlug) a;
      SealPlug sb = (SealPlug) b.plug();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger sent = new AtomicInteger();
      Thread sender =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (running.get()) {
                        a.send(EthFrames.direct(frame(B_MAC, A_MAC, "seq " + sent.get())));
                        sent.incrementAndGet();
                        Thread.sleep(1);
                        // stay within the receiver's socket buffer on a loaded machine: UDP itself
                        // may drop otherwise
                        while (sent.get() - sb.stats().rxFrames() > 64 && running.get())
                          Thread.sleep(1);
                      }
                    } catch (Exception e) {
                      throw new RuntimeException(e);
                    }
                  });
      Thread.sleep(200);
      // step 1: every node learns the new key, senders keep the old one
      String both = KeyFile.line(1, k1, true) + "\n" + KeyFile.line(2, k2, false) + "\n";
      SealTestKeys.writePrivate(kb, both);
      sb.reloadKeys();
      SealTestKeys.writePrivate(ka, both);
      sa.reloadKeys();
      assertThat(sa.keys().current().id()).isEqualTo(1);
      Thread.sleep(200);
      // step 2: senders switch to the new key
      String switched = KeyFile.line(1, k1, false) + "\n" + KeyFile.line(2, k2, true) + "\n";
      SealTestKeys.writePrivate(ka, switched);
      sa.reloadKeys();
      assertThat(sa.keys().current().id()).isEqualTo(2);
      Thread.sleep(200);
      // step 3: the old key is removed everywhere
      SealTestKeys.writePrivate(kb, KeyFile.line(2, k2, false) + "\n");
      sb.reloadKeys();
      Thread.sleep(200);
      running.set(false);
      sender.join(5000);
      List<String> got = new ArrayList<>();
      for (int i = 0; i < sent.get(); i++) {
        byte[] f = b.poll(5000);
        assertThat(f).as("frame %d of %d", i, sent.get()).isNotNull();
        got.add(new String(f, 14, f.length - 14, StandardCharsets.UTF_8));
      }
      List<String> expected = new ArrayList<>();
      for (int i = 0; i < sent.get(); i++) expected.add("seq " + i);
      assertThat(got).as("no frame lost across the rotation").isEqualTo(expected);
      assertThat(sent.get()).isGreaterThan(50);
      assertThat(sb.sealStats().verdicts())
          .containsEntry(Verdict.BAD_TAG, 0L)
          .containsEntry(Verdict.UNKNOWN_KEY, 0L);
      // a node still sealing with the retired key is refused
      SealTestKeys.writePrivate(ka, old);
      sa.reloadKeys();
      a.send(EthFrames.direct(frame(B_MAC, A_MAC, "under the retired key")));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> sb.sealStats().of(Verdict.UNKNOWN_KEY) == 1);
      assertThat(b.poll(200)).isNull();
    }
  }

  @Test
  void aChangedKeyFileIsPickedUpWithoutReopening() throws Exception {
    byte[] k1 = SealTestKeys.randomKey();
    byte[] k2 = SealTestKeys.randomKey();
    String both = KeyFile.line(1, k1, true) + "\n" + KeyFile.line(2, k2, false) + "\n";
    Path ka = SealTestKeys.writePrivate(dir.resolve("a.keys"), both);
    Path kb = SealTestKeys.writePrivate(dir.resolve("b.keys"), both);
    int[] p = SealTestKeys.freeUdpPorts();
    try (FrameQueue b = new FrameQueue(Plugs.open(sealVnl(kb, "", p[1], p[0]), OpenArgs.DEFAULT));
        Plug a = Plugs.open(sealVnl(ka, "", p[0], p[1]), OpenArgs.DEFAULT)) {
      SealPlug sa = (SealPlug) a;
      SealTestKeys.writePrivate(
          ka, KeyFile.line(1, k1, false) + "\n" + KeyFile.line(2, k2, true) + "\n");
      AtomicInteger n = new AtomicInteger();
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                byte[] f = frame(B_MAC, A_MAC, "probe " + n.incrementAndGet());
                a.send(EthFrames.direct(f));
                return sa.keys().current().id() == 2;
              });
      assertThat(sa.sealStats().reloads()).isEqualTo(1);
      // a broken file keeps the previous keys
      SealTestKeys.writePrivate(ka, "1 not-a-key\n");
      await()
          .atMost(Duration.ofSeconds(5))
          .pollInterval(Duration.ofMillis(100))
          .until(
              () -> {
                a.send(EthFrames.direct(frame(B_MAC, A_MAC, "still")));
                return sa.sealStats().reloadFailures() >= 1;
              });
      assertThat(sa.keys().current().id()).isEqualTo(2);
      assertThatThrownBy(sa::reloadKeys)
          .isInstanceOf(IOException.class)
          .hasMessageContaining("line 1");
      byte[] f = frame(B_MAC, A_MAC, "after a failed reload");
      a.send(EthFrames.direct(f));
      assertThat(b.pollMarked("after a failed reload", 5000)).isEqualTo(f);
    }
  }

  @Test
  void groupOrWorldReadableKeyFileIsRefusedUnlessAllowed() throws Exception {
    Path k =
        SealTestKeys.writePrivate(
            dir.resolve("k"), KeyFile.line(1, SealTestKeys.randomKey(), false));
    Files.setPosixFilePermissions(k, PosixFilePermissions.fromString("rw-r--r--"));
    int[] p = SealTestKeys.freeUdpPorts();
    assertThatThrownBy(() -> Plugs.open(sealVnl(k, "", p[0], p[1]), OpenArgs.DEFAULT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("accessible by group or others (mode 0644)")
        .hasMessageContaining("chmod 600 " + k);
    try (Plug ok = Plugs.open(sealVnl(k, "[anyperm]", p[0], p[1]), OpenArgs.DEFAULT)) {
      assertThat(ok).isInstanceOf(SealPlug.class);
    }
    // the inner plug was not left open by the refused attempt: its port is free again
    try (Plug again =
        Plugs.open("udp://127.0.0.1:" + p[0] + "->127.0.0.1:" + p[1], OpenArgs.DEFAULT)) {
      assertThat(again).isNotNull();
    }
  }

  @Test
  void badSealVnlsAreNamed() {
    assertThatThrownBy(() -> Plugs.open("seal:///k", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("missing the nested VNL in braces");
    assertThatThrownBy(() -> Plugs.open("seal://{null://}", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("key file: missing");
    assertThatThrownBy(() -> Plugs.open("seal:///k[bogus=1]{null://}", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("unknown key 'bogus'");
    assertThatThrownBy(() -> Plugs.open("seal:///k[current=300]{null://}", OpenArgs.DEFAULT))
        .isInstanceOf(VnlException.class)
        .hasMessageContaining("out of range 0..255");
    assertThatThrownBy(() -> Plugs.open("seal:///no/such/file{null://}", OpenArgs.DEFAULT))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("/no/such/file");
  }

  @Test
  void sealOverAnotherSealAndKeyOptionForm() throws Exception {
    byte[] outer = SealTestKeys.randomKey();
    byte[] inner = SealTestKeys.randomKey();
    Path ko = SealTestKeys.writePrivate(dir.resolve("o"), KeyFile.line(1, outer, false));
    Path ki = SealTestKeys.writePrivate(dir.resolve("i"), KeyFile.line(2, inner, false));
    int[] p = SealTestKeys.freeUdpPorts();
    String a =
        "seal://"
            + ko
            + "{seal://[key='"
            + ki
            + "']{udp://127.0.0.1:"
            + p[0]
            + "->127.0.0.1:"
            + p[1]
            + "}}";
    String b =
        "seal://"
            + ko
            + "{seal://[key='"
            + ki
            + "']{udp://127.0.0.1:"
            + p[1]
            + "->127.0.0.1:"
            + p[0]
            + "}}";
    try (Plug pa = Plugs.open(a, OpenArgs.DEFAULT);
        FrameQueue qb = new FrameQueue(Plugs.open(b, OpenArgs.DEFAULT))) {
      assertThat(((SealPlug) pa).inner()).isInstanceOf(SealPlug.class);
      byte[] f = frame(B_MAC, A_MAC, "twice sealed");
      pa.send(EthFrames.direct(f));
      assertThat(qb.poll(5000)).isEqualTo(f);
    }
  }
}
