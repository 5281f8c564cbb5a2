package io.kubevde.vdeplug.plugin.vde;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * The §3.2 request and §3.3 reply against the byte dumps captured from the C tools (x86-64,
 * little-endian).
 */
class VdeWireTest {
  private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

  @Test
  void anyPortRequestMatchesTheCapturedDump() {
    byte[] b =
        new VdeRequest(
                VdeRequest.newControl(0),
                "/tmp/vsexp/sw1/.08000-00000",
                "mydescr user=root pid=8000")
            .encode();
    assertThat(b).hasSize(148);
    assertThat(HEX.formatHex(b, 0, 18))
        .isEqualTo("ce fa ed fe 03 00 00 00 00 00 00 00 01 00 2f 74 6d 70");
    assertThat(new String(b, 122, 26)).isEqualTo("mydescr user=root pid=8000");
    assertThat(b[14 + "/tmp/vsexp/sw1/.08000-00000".length()]).isZero();
  }

  @Test
  void explicitPortAndPort0RequestsMatchTheCapturedTypeWords() {
    byte[] p5 = new VdeRequest(VdeRequest.newControl(5), "/tmp/s/.1-1", "d").encode();
    assertThat(HEX.formatHex(p5, 4, 12)).isEqualTo("03 00 00 00 00 05 00 00");
    byte[] p0 = new VdeRequest(VdeRequest.NEW_PORT0, "/tmp/s/.1-1", "d").encode();
    assertThat(HEX.formatHex(p0, 4, 12)).isEqualTo("03 00 00 00 01 00 00 00");
  }

  @Test
  void requestRoundTripsThroughTheParser() {
    VdeRequest r =
        new VdeRequest(
            VdeRequest.newControl(12), "/tmp/sw/.00042-00003", "vdeplug: user=root pid=42");
    VdeRequest.Parsed p = VdeRequest.parse(ByteBuffer.wrap(r.encode()));
    assertThat(p).isEqualTo(new VdeRequest.Valid(r));
    assertThat(((VdeRequest.Valid) p).request().port()).isEqualTo(12);
    assertThat(((VdeRequest.Valid) p).request().kind()).isZero();
  }

  @Test
  void descriptionIsTruncatedTo127Bytes() {
    byte[] b = new VdeRequest(0, "/tmp/x", "d".repeat(300)).encode();
    assertThat(b).hasSize(VdeRequest.HEADER + 127);
  }

  @Test
  void parserNamesWhatIsWrong() {
    byte[] good = new VdeRequest(0, "/tmp/x", "d").encode();
    byte[] badMagic = good.clone();
    badMagic[0] = 0;
    assertThat(VdeRequest.parse(ByteBuffer.wrap(badMagic)))
        .isInstanceOf(VdeRequest.Invalid.class)
        .extracting(p -> ((VdeRequest.Invalid) p).reason())
        .asString()
        .contains("magic");
    byte[] v2 = good.clone();
    v2[4] = 2;
    assertThat(((VdeRequest.Invalid) VdeRequest.parse(ByteBuffer.wrap(v2))).reason())
        .contains("version 2");
    assertThat(
            ((VdeRequest.Invalid) VdeRequest.parse(ByteBuffer.wrap(Arrays.copyOf(good, 50))))
                .reason())
        .contains("short");
    byte[] fam = good.clone();
    fam[12] = 2;
    assertThat(((VdeRequest.Invalid) VdeRequest.parse(ByteBuffer.wrap(fam))).reason())
        .contains("sockaddr");
  }

  @Test
  void replyDecodesTheCapturedDump() {
    byte[] b = new byte[110];
    b[0] = 1;
    byte[] p = "/tmp/vsexp/sw1/005.6".getBytes();
    System.arraycopy(p, 0, b, 2, p.length);
    assertThat(HEX.formatHex(b, 0, 21))
        .isEqualTo("01 00 2f 74 6d 70 2f 76 73 65 78 70 2f 73 77 31 2f 30 30 35 2e");
    assertThat(VdeReply.decode(ByteBuffer.wrap(b))).contains(new VdeReply("/tmp/vsexp/sw1/005.6"));
    assertThat(new VdeReply("/tmp/vsexp/sw1/005.6").encode()).isEqualTo(b);
    assertThat(VdeReply.decode(ByteBuffer.wrap(new byte[50]))).isEmpty();
    assertThat(VdeReply.decode(ByteBuffer.wrap(new byte[110]))).isEmpty();
  }
}
