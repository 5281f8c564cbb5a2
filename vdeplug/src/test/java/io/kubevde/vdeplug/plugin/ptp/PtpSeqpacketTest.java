package io.kubevde.vdeplug.plugin.ptp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.testing.EthFrames;
import io.kubevde.vdeplug.testing.FrameQueue;
import io.kubevde.vdeplug.testing.Proc;
import io.kubevde.vdeplug.testing.Sh;
import io.kubevde.vdeplug.vnl.Vnl;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The HEAD seqpacket mode ({@code ptp://PATH[seqpacket]}, vde-protocols.md §4.1) between two Java
 * ends (Debian ships only the 4.0.1 C plugin, so there is no C peer for this mode here).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class PtpSeqpacketTest {
  private final Path tmp = Proc.tempDir("kvptps");

  @AfterEach
  void clean() {
    Sh.exec("rm", "-rf", tmp.toString());
  }

  private static byte[] frame(String tag) {
    return EthFrames.frame(EthFrames.BROADCAST, "52:54:00:00:02:01", EthFrames.TEST_TYPE, tag);
  }

  @Test
  void optionsChooseTheMode() {
    assertThat(PtpOptions.parse(Vnl.parse("ptp:///tmp/p"), OpenArgs.DEFAULT).seqpacket()).isFalse();
    assertThat(PtpOptions.parse(Vnl.parse("ptp:///tmp/p[seqpacket]"), OpenArgs.DEFAULT).seqpacket())
        .isTrue();
    assertThat(PtpOptions.parse(Vnl.parse("ptp:///tmp/p[seq]"), OpenArgs.DEFAULT).path())
        .isEqualTo(Path.of("/tmp/p"));
    assertThat(
            PtpOptions.parse(Vnl.parse("ptp:///tmp/p[dgram/mode=0660]"), OpenArgs.DEFAULT).mode())
        .isEqualTo(0660);
    assertThat(
            catchThrowable(
                () -> PtpOptions.parse(Vnl.parse("ptp:///tmp/p[fast]"), OpenArgs.DEFAULT)))
        .hasMessageContaining("fast");
  }

  @Test
  void twoEndsExchangeFramesAThirdIsRefusedAndAPeerCanReturn() throws Exception {
    String vnl = "ptp://" + tmp.resolve("s") + "[seqpacket]";
    try (FrameQueue a = new FrameQueue(Plugs.open(vnl, OpenArgs.DEFAULT))) {
      assertThat(((PtpSeqpacketPlug) a.plug()).isListener()).isTrue();
      try (FrameQueue b = new FrameQueue(Plugs.open(vnl, OpenArgs.DEFAULT))) {
        assertThat(((PtpSeqpacketPlug) b.plug()).isListener()).isFalse();
        a.send(frame("a2b"));
        assertThat(b.pollMarked("a2b", 5000)).isNotNull();
        b.send(frame("b2a"));
        assertThat(a.pollMarked("b2a", 5000)).isNotNull();
        Throwable third = catchThrowable(() -> Plugs.open(vnl, OpenArgs.DEFAULT));
        assertThat(third).isInstanceOf(IOException.class).hasMessageContaining("already connected");
      }
      // the connecting end left (the listener notices the hang-up); a new one is accepted
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> !((PtpSeqpacketPlug) a.plug()).hasPeer());
      try (FrameQueue c = new FrameQueue(Plugs.open(vnl, OpenArgs.DEFAULT))) {
        c.send(frame("c2a"));
        assertThat(a.pollMarked("c2a", 5000)).isNotNull();
        a.send(frame("a2c"));
        assertThat(c.pollMarked("a2c", 5000)).isNotNull();
      }
    }
    assertThat(tmp.resolve("s")).as("the listener unlinks its socket").doesNotExist();
  }

  @Test
  void staleSocketFileIsReplaced() throws Exception {
    Path s = tmp.resolve("s");
    try (var old =
        io.kubevde.vdeplug.unix.UnixSocket.create(
            io.kubevde.vdeplug.ffi.LibC.SOCK_SEQPACKET, false)) {
      old.bind(s);
    }
    try (Plug p = Plugs.open("ptp://" + s + "[seqpacket]", OpenArgs.DEFAULT)) {
      assertThat(((PtpSeqpacketPlug) p).isListener()).isTrue();
    }
  }

  @Test
  void listenerLeavingMakesTheOtherEndTheListener() throws Exception {
    String vnl = "ptp://" + tmp.resolve("s") + "[seqpacket]";
    FrameQueue a = new FrameQueue(Plugs.open(vnl, OpenArgs.DEFAULT));
    try (FrameQueue b = new FrameQueue(Plugs.open(vnl, OpenArgs.DEFAULT))) {
      a.close();
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> ((PtpSeqpacketPlug) b.plug()).isListener());
      try (FrameQueue c = new FrameQueue(Plugs.open(vnl, OpenArgs.DEFAULT))) {
        c.send(frame("c2b"));
        assertThat(b.pollMarked("c2b", 5000)).isNotNull();
      }
    }
  }
}
