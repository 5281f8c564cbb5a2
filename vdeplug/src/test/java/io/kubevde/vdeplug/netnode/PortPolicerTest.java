package io.kubevde.vdeplug.netnode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.vdeplug.testing.EthFrames;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** A port's ingress policing and storm control: limits, defaults, drop reasons (pure logic). */
class PortPolicerTest {
  private static final long S = 1_000_000_000L;
  private static final String SRC = "52:54:00:00:00:01";

  private static ByteBuffer to(String dst) {
    return EthFrames.direct(EthFrames.frame(dst, SRC, EthFrames.TEST_TYPE, "x"));
  }

  @Test
  void framesOverTheFrameRateAreDroppedAndCounted() {
    PortPolicer p = new PortPolicer(new PortLimits(1000, 0, 0, 10), 0);
    int in = 0;
    for (int i = 0; i < 100; i++) if (p.admit(64, 0)) in++;
    assertThat(in).as("10 ms of 1000/s").isEqualTo(10);
    assertThat(p.dropped(DropReason.POLICED_FRAMES)).isEqualTo(90);
    assertThat(p.admit(64, S / 100)).as("refilled after 10 ms").isTrue();
    assertThat(p.droppedTotal()).isEqualTo(90);
  }

  @Test
  void aSustainedExcessPausesTheReaderUntilTheBucketRefillsAndAShortOneDoesNot() {
    PortPolicer p = new PortPolicer(new PortLimits(1000, 0, 0, 10), 0);
    for (int i = 0; i < 10; i++) assertThat(p.admit(64, 0)).isTrue();
    for (int i = 1; i < PortPolicer.PAUSE_AFTER_REFUSALS; i++) {
      assertThat(p.admit(64, 0)).isFalse();
      assertThat(p.pauseNanos(0)).as("refusal %d in a row: no pause yet", i).isZero();
    }
    assertThat(p.admit(64, S / 4000)).isFalse();
    assertThat(p.pauseNanos(S / 4000))
        .as("one token at 1000/s: 1 ms after the last refill, 0.25 ms of it gone")
        .isEqualTo(S / 1000 - S / 4000);
    assertThat(p.pauseNanos(S / 4000)).as("the pause is handed out once").isZero();
    // a frame passing resets the count: the next refusals start again from one
    assertThat(p.admit(64, S / 1000)).isTrue();
    assertThat(p.admit(64, S / 1000)).isFalse();
    assertThat(p.pauseNanos(S / 1000)).isZero();
  }

  @Test
  void aPauseIsAtMostTenMilliseconds() {
    PortPolicer p = new PortPolicer(new PortLimits(0, 0, 1, 1000), 0); // 1 flood frame/s
    ByteBuffer bc = to("ff:ff:ff:ff:ff:ff");
    assertThat(p.admitFlood(bc)).isTrue();
    for (int i = 0; i < PortPolicer.PAUSE_AFTER_REFUSALS; i++)
      assertThat(p.admitFlood(bc)).isFalse();
    assertThat(p.pauseNanos()).isPositive().isLessThanOrEqualTo(PortPolicer.MAX_PAUSE_NANOS);
  }

  @Test
  void bytesOverTheByteRateAreDroppedAndCountedAndAMaximalFrameAlwaysFitsTheBucket() {
    // 1000 bytes/s with a 10 ms bucket would hold 10 bytes: the bucket is at least one frame deep
    PortPolicer p = new PortPolicer(new PortLimits(0, 1000, 0, 10), 0);
    assertThat(p.admit(9000, 0)).isTrue();
    assertThat(p.admit(1000, 0)).isFalse();
    assertThat(p.dropped(DropReason.POLICED_BYTES)).isEqualTo(1);
    assertThat(p.admit(1000, S)).as("one second later").isTrue();
  }

  @Test
  void stormControlCountsEachFloodClass() {
    PortPolicer p = new PortPolicer(new PortLimits(0, 0, 1, 1), System.nanoTime());
    assertThat(p.admitFlood(to(EthFrames.BROADCAST))).as("the one-frame burst").isTrue();
    assertThat(p.admitFlood(to(EthFrames.BROADCAST))).isFalse();
    assertThat(p.admitFlood(to("01:00:5e:00:00:fb"))).isFalse();
    assertThat(p.admitFlood(to("33:33:00:00:00:01"))).isFalse();
    assertThat(p.admitFlood(to("52:54:00:00:00:02"))).isFalse();
    assertThat(p.dropsByReason())
        .containsEntry(DropReason.STORM_BROADCAST, 1L)
        .containsEntry(DropReason.STORM_MULTICAST, 2L)
        .containsEntry(DropReason.STORM_UNKNOWN_UNICAST, 1L)
        .containsEntry(DropReason.POLICED_FRAMES, 0L);
  }

  @Test
  void unlimitedPortsNeverDrop() {
    PortPolicer p = PortPolicer.unlimited();
    for (int i = 0; i < 100_000; i++) {
      assertThat(p.admit(1500)).isTrue();
      assertThat(p.admitFlood(to(EthFrames.BROADCAST))).isTrue();
    }
    assertThat(p.droppedTotal()).isZero();
  }

  @Test
  void defaultsPoliceNothingAndLimitFloodsTo1000PerSecond() {
    assertThat(PortLimits.DEFAULT.framesPerSecond()).isZero();
    assertThat(PortLimits.DEFAULT.bytesPerSecond()).isZero();
    assertThat(PortLimits.DEFAULT.floodFramesPerSecond()).isEqualTo(1000);
    PortPolicer p = new PortPolicer(PortLimits.DEFAULT, 0);
    for (int i = 0; i < 1_000_000; i++) assertThat(p.admit(1500, i)).isTrue();
    assertThat(p.droppedTotal()).as("a million frames in 1 ms pass ingress").isZero();
  }

  @Test
  void limitsAreValidated() {
    assertThatThrownBy(() -> new PortLimits(-1, 0, 0, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PortLimits(0, 0, 2_000_000_000L, 10))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PortLimits(0, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
