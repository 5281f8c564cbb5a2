package io.kubevde.vdeplug.plugin.tap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.Blocked;
import io.kubevde.vdeplug.testing.InNetns;
import io.kubevde.vdeplug.testing.NetnsPair;
import io.kubevde.vdeplug.testing.Requirements;
import io.kubevde.vdeplug.testing.Sh;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The tap plug and {@link TapDevice} against real taps in a private network namespace (root). */
@Timeout(120)
class TapDeviceTest {
  static final byte[] PEER_MAC = {0x52, 0x54, 0, 0, 0, 0x22};

  @BeforeEach
  void needsRoot() {
    Requirements.assumeRoot();
  }

  static boolean linkExists(String ns, String dev) {
    return Sh.exec("ip", "-n", ns, "link", "show", dev).exitCode() == 0;
  }

  /** An ARP request from PEER_MAC/192.168.77.2 for 192.168.77.1. */
  static ByteBuffer arpRequest() {
    ByteBuffer f = ByteBuffer.allocateDirect(42);
    for (int i = 0; i < 6; i++) f.put((byte) 0xff);
    f.put(PEER_MAC)
        .putShort((short) 0x0806)
        .putShort((short) 1)
        .putShort((short) 0x0800)
        .put((byte) 6)
        .put((byte) 4)
        .putShort((short) 1)
        .put(PEER_MAC)
        .put(new byte[] {(byte) 192, (byte) 168, 77, 2})
        .put(new byte[6])
        .put(new byte[] {(byte) 192, (byte) 168, 77, 1});
    return f.flip();
  }

  @Test
  void tapPlugCarriesFramesBothWaysAndTruncatesLongNames() throws Exception {
    try (NetnsPair pair = NetnsPair.create()) {
      String ns = pair.a();
      Plug plug =
          InNetns.call(ns, () -> Plugs.open("tap://kvtap0123456789abcdef", OpenArgs.DEFAULT));
      try {
        assertThat(((TapPlug) plug).device().name()).isEqualTo("kvtap0123456789");
        NetnsPair.configureTap(
            ns, "kvtap0123456789", "192.168.77.1/24", "52:54:00:00:00:01", 10_000);
        plug.send(arpRequest());
        ByteBuffer buf = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
        long deadline = System.currentTimeMillis() + 10_000;
        boolean gotReply = false;
        while (!gotReply && System.currentTimeMillis() < deadline) {
          buf.clear();
          int n = plug.receive(buf);
          assertThat(n).isGreaterThanOrEqualTo(14);
          gotReply = buf.getShort(12) == 0x0806 && buf.getShort(20) == 2 && buf.get(5) == 0x22;
        }
        assertThat(gotReply).as("kernel's ARP reply read from the tap").isTrue();
        assertThat(plug.stats().txFrames()).isEqualTo(1);
      } finally {
        plug.close();
      }
      assertThat(linkExists(ns, "kvtap0123456789"))
          .as("a non-persistent tap goes away on close")
          .isFalse();
    }
  }

  @Test
  void closeMakesABlockedReceiveReturnClosedPromptly() throws Exception {
    try (NetnsPair pair = NetnsPair.create()) {
      TapDevice dev = InNetns.call(pair.a(), () -> TapDevice.open("kvtapw"));
      CompletableFuture<Integer> r =
          Blocked.start("read", 300, () -> dev.read(ByteBuffer.allocateDirect(Plug.MAX_FRAME)));
      long t0 = System.nanoTime();
      dev.close();
      assertThat(r.get(2, TimeUnit.SECONDS)).isEqualTo(Plug.CLOSED);
      assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(1000);
    }
  }

  @Test
  void interfaceDeletedEndsReceiveAndFailsSendInsteadOfSpinning() throws Exception {
    try (NetnsPair pair = NetnsPair.create()) {
      TapDevice dev = InNetns.call(pair.a(), () -> TapDevice.open("kvtapg"));
      assertInterfaceGoneIsNoticed(
          dev, () -> Sh.run("ip", "-n", pair.a(), "link", "del", "kvtapg"));
    }
  }

  @Test
  void netnsOfTheTapDeletedEndsReceive() throws Exception {
    // the tap was created elsewhere and moved into a namespace that is then deleted (a pod going
    // away)
    try (NetnsPair pair = NetnsPair.create()) {
      String extra = pair.b() + "t";
      Sh.run("ip", "netns", "add", extra);
      try {
        TapDevice dev = InNetns.call(pair.a(), () -> TapDevice.open("kvtapm"));
        Sh.run("ip", "-n", pair.a(), "link", "set", "kvtapm", "netns", extra);
        assertInterfaceGoneIsNoticed(dev, () -> Sh.run("ip", "netns", "del", extra));
      } finally {
        Sh.exec("ip", "netns", "del", extra);
      }
    }
  }

  private static void assertInterfaceGoneIsNoticed(TapDevice dev, Runnable removeIt)
      throws Exception {
    try (TapPlug plug = new TapPlug(dev)) {
      CompletableFuture<Integer> r =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return plug.receive(ByteBuffer.allocateDirect(Plug.MAX_FRAME));
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      Awaitility.await("read blocks while nothing arrives")
          .during(Duration.ofMillis(300))
          .atMost(Duration.ofSeconds(2))
          .until(() -> !r.isDone());
      removeIt.run();
      assertThat(r.get(20, TimeUnit.SECONDS)).isEqualTo(Plug.CLOSED);
      assertThat(dev.gone()).isTrue();
      assertThatThrownBy(() -> plug.send(arpRequest()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("gone");
      // and a further receive returns at once instead of spinning or blocking
      assertThat(plug.receive(ByteBuffer.allocateDirect(Plug.MAX_FRAME))).isEqualTo(Plug.CLOSED);
    }
  }

  @Test
  void aWriteWhileTheLinkIsDownIsADroppedFrame() throws Exception {
    try (NetnsPair pair = NetnsPair.create()) {
      try (TapPlug plug = new TapPlug(InNetns.call(pair.a(), () -> TapDevice.open("kvtapd")))) {
        plug.send(arpRequest());
        assertThat(plug.stats().droppedCount()).isEqualTo(1);
        assertThat(plug.stats().txFrames()).isZero();
      }
    }
  }

  @Test
  void aPersistentTapSurvivesCloseAndIsReattachedByName() throws Exception {
    try (NetnsPair pair = NetnsPair.create()) {
      String ns = pair.a();
      TapDevice first = InNetns.call(ns, () -> TapDevice.open("kvtapp"));
      first.setPersistent(true);
      assertThatThrownBy(() -> InNetns.call(ns, () -> TapDevice.open("kvtapp")))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("busy");
      first.close();
      assertThat(linkExists(ns, "kvtapp")).isTrue();
      NetnsPair.configureTap(ns, "kvtapp", "192.168.77.1/24", "52:54:00:00:00:01", 10_000);
      TapDevice again = InNetns.call(ns, () -> TapDevice.attach("kvtapp"));
      try (TapPlug plug = new TapPlug(again)) {
        plug.send(arpRequest());
        assertThat(plug.stats().txFrames())
            .as("frame written to the re-attached, configured tap")
            .isEqualTo(1);
        again.setPersistent(false);
      }
      assertThat(linkExists(ns, "kvtapp")).isFalse();
      assertThatThrownBy(() -> InNetns.call(ns, () -> TapDevice.attach("kvtapp")))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("no interface");
    }
  }

  @Test
  void aPureL2PersistentTapWithoutAnyAddressIsFoundAndReattached() throws Exception {
    // issue 12: java.net.NetworkInterface lists only interfaces with addresses, so a tap without
    // IP (down, or up without carrier: not even an IPv6 link-local) could not be re-attached
    try (NetnsPair pair = NetnsPair.create()) {
      String ns = pair.a();
      InNetns.call(
          ns,
          () -> {
            TapDevice.createPersistent("kvtapl2");
            return null;
          });
      Sh.run("ip", "-n", ns, "link", "set", "kvtapl2", "up");
      assertThat(Sh.run("ip", "-n", ns, "-o", "addr", "show", "dev", "kvtapl2"))
          .as("no address at all")
          .isBlank();
      int index = InNetns.call(ns, () -> TapDevice.ifIndex("kvtapl2"));
      assertThat(Sh.run("ip", "-n", ns, "-o", "link", "show", "kvtapl2"))
          .startsWith(index + ": kvtapl2:");
      assertThat(InNetns.call(ns, () -> TapDevice.ifIndex("kvnothere"))).isZero();
      assertThatThrownBy(
              () ->
                  InNetns.call(
                      ns,
                      () -> {
                        TapDevice.createPersistent("kvtapl2");
                        return null;
                      }))
          .as("creation never takes over an existing interface")
          .isInstanceOf(IOException.class)
          .hasMessageContaining("busy");
      TapDevice again = InNetns.call(ns, () -> TapDevice.attach("kvtapl2"));
      try (TapPlug plug = new TapPlug(again)) {
        assertThat(Sh.run("ip", "-n", ns, "link", "show", "kvtapl2"))
            .as("carrier once the tap is open")
            .doesNotContain("NO-CARRIER");
        again.setPersistent(false);
      }
      assertThat(linkExists(ns, "kvtapl2")).isFalse();
    }
  }
}
