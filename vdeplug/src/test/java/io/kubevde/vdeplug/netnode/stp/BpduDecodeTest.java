package io.kubevde.vdeplug.netnode.stp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/** BPDUs come from the network: anything malformed is refused, nothing throws. */
class BpduDecodeTest {

  private static ByteBuffer good() {
    ByteBuffer f = ByteBuffer.allocate(64);
    new Bpdu(Bpdu.ROLE_DESIGNATED << 2, 1, 0, 1, 0x8001, 0, 200).encode(2, f);
    return f;
  }

  @Test
  void refusesWrongLlcTaggedTooShortAndTooOld() {
    ByteBuffer llc = good();
    llc.put(16, (byte) 0x04);
    assertThat(Bpdu.decode(llc)).isEmpty();
    ByteBuffer tagged = good();
    tagged.putShort(12, (short) 0x8100);
    assertThat(Bpdu.decode(tagged)).isEmpty();
    ByteBuffer shortOne = good();
    shortOne.limit(40);
    assertThat(Bpdu.decode(shortOne)).isEmpty();
    ByteBuffer old = good();
    old.putShort(17 + 27, (short) (Bpdu.MAX_AGE_HOPS << 8));
    assertThat(Bpdu.decode(old)).isEmpty();
    ByteBuffer otherDst = good();
    otherDst.put(5, (byte) 1);
    assertThat(Bpdu.decode(otherDst)).isEmpty();
  }

  @Test
  void readsTopologyChangeNotifications() {
    ByteBuffer f = good();
    f.put(17 + 3, (byte) 0x80);
    assertThat(Bpdu.decode(f)).hasValueSatisfying(b -> assertThat(b.has(Bpdu.TC)).isTrue());
  }

  @Property(tries = 2000)
  void randomBytesAfterTheGroupAddressNeverThrow(@ForAll @Size(min = 0, max = 80) byte[] tail) {
    ByteBuffer f = ByteBuffer.allocate(6 + tail.length);
    f.put(new byte[] {1, (byte) 0x80, (byte) 0xc2, 0, 0, 0}).put(tail).flip();
    Bpdu.decode(f).ifPresent(b -> assertThat(b.messageAge()).isLessThan(Bpdu.MAX_AGE_HOPS));
    assertThat(f.position()).isZero();
  }
}
