package io.kubevde.agent.handover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevde.agent.model.AttachmentKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-over records (agent/README.md "Hand-over", wire format): round trips and refusals. */
class HandoverMessageTest {
  private static final HandoverMessage.State STATE =
      new HandoverMessage.State(
          3,
          List.of(
              new HandoverMessage.Uplink("default/blue", "vxvde:///port=4789/vni=7", 2, 0),
              new HandoverMessage.Uplink("default/red", "null", 0, 0)),
          List.of(new HandoverMessage.Tap(new AttachmentKey("blue", "c1", "net1"), 2)));

  @Test
  void everyRecordTypeRoundTrips() throws IOException {
    for (HandoverMessage m :
        List.of(
            new HandoverMessage.Hello(42, "0.1.0"),
            STATE,
            new HandoverMessage.Fds(250, 7),
            new HandoverMessage.Taken(),
            new HandoverMessage.Released(),
            new HandoverMessage.Refused("version"))) {
      assertThat(HandoverMessage.decode(HandoverMessage.encode(m))).isEqualTo(m);
    }
  }

  @Test
  void theHeaderIsMagicVersionType() {
    ByteBuffer b = ByteBuffer.wrap(HandoverMessage.encode(new HandoverMessage.Taken()));
    assertThat(b.getInt()).isEqualTo(0x4B56484F);
    assertThat(b.getShort()).isEqualTo((short) 1);
    assertThat(b.get()).isEqualTo((byte) 4);
    assertThat(b.hasRemaining()).isFalse();
  }

  @Test
  void malformedRecordsAreRefused() {
    byte[] ok = HandoverMessage.encode(STATE);
    byte[] otherVersion = ok.clone();
    otherVersion[5] = 2;
    assertThatThrownBy(() -> HandoverMessage.decode(otherVersion))
        .hasMessageContaining("version 2");
    byte[] badMagic = ok.clone();
    badMagic[0] = 0;
    assertThatThrownBy(() -> HandoverMessage.decode(badMagic)).hasMessageContaining("not a");
    assertThatThrownBy(() -> HandoverMessage.decode(Arrays.copyOf(ok, ok.length - 1)))
        .hasMessageContaining("truncated");
    assertThatThrownBy(() -> HandoverMessage.decode(Arrays.copyOf(ok, ok.length + 1)))
        .hasMessageContaining("trailing");
    byte[] unknown = HandoverMessage.encode(new HandoverMessage.Taken());
    unknown[6] = 9;
    assertThatThrownBy(() -> HandoverMessage.decode(unknown)).hasMessageContaining("unknown");
    // a tap whose fd index is outside fdCount
    HandoverMessage.State outside =
        new HandoverMessage.State(
            1, List.of(), List.of(new HandoverMessage.Tap(new AttachmentKey("b", "c", "i"), 1)));
    assertThatThrownBy(() -> HandoverMessage.decode(HandoverMessage.encode(outside)))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("out of range");
  }
}
