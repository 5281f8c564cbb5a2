package io.kubevde.vdeplug.offload;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubevde.vdeplug.GsoInfo;
import io.kubevde.vdeplug.offload.TcpFrames.Spec;
import java.nio.ByteBuffer;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The segmentation and coalescing rules of offloads.md §2 and §5, checked on generated super-frames
 * (IPv4/IPv6, TCP with and without options, UDP, with and without a VLAN tag) against an
 * independent slow checksum: every segment is a complete frame the kernel would have produced, and
 * coalescing the segments of a TCP super-frame gives the super-frame back.
 */
class SegmenterPropertiesTest {
  private static final int OFF = 16;

  @Provide
  Arbitrary<Spec> superFrames() {
    Arbitrary<byte[]> payload =
        Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(65535 - 120);
    return Combinators.combine(
            Arbitraries.integers().between(0, 7),
            Arbitraries.of(0, 3),
            Arbitraries.integers().between(0, 65535),
            Arbitraries.integers(),
            Arbitraries.integers(),
            Arbitraries.of(0x10, 0x18, 0x19, 0x90, 0x98),
            payload)
        .as(
            (shape, opt, id, seq, ack, fl, p) -> {
              boolean udp = (shape & 2) != 0;
              return new Spec(
                  (shape & 1) != 0,
                  udp,
                  (shape & 4) != 0,
                  udp ? 0 : opt,
                  id,
                  seq,
                  ack,
                  fl,
                  29200,
                  p);
            });
  }

  private static GsoInfo info(Spec s, int mss) {
    GsoInfo i = new GsoInfo();
    i.flags = GsoInfo.NEEDS_CSUM;
    i.gsoType = s.udp() ? GsoInfo.GSO_UDP_L4 : s.v6() ? GsoInfo.GSO_TCPV6 : GsoInfo.GSO_TCPV4;
    i.gsoSize = mss;
    i.csumStart = TcpFrames.l4(s);
    i.csumOffset = s.udp() ? 6 : 16;
    return i;
  }

  private static int mss(Spec s, int wanted) {
    int min = (s.payload().length + Segmenter.MAX_SEGMENTS - 1) / Segmenter.MAX_SEGMENTS;
    return Math.max(min, wanted);
  }

  @Property(tries = 300)
  void everySegmentIsACompleteFrameUnderTheKernelsGsoRules(
      @ForAll("superFrames") Spec s, @ForAll @IntRange(min = 1, max = 1460) int wanted) {
    int mss = mss(s, wanted);
    ByteBuffer src = ByteBuffer.allocateDirect(OFF + 70_000);
    int len = TcpFrames.write(src, OFF, s);
    ByteBuffer dst = ByteBuffer.allocateDirect(300_000);
    for (int i = 0; i < dst.capacity(); i++) dst.put(i, (byte) 0x5A);
    Segmenter seg = new Segmenter();
    int n = seg.segment(src, OFF, len, info(s, mss), dst, 0, 8);

    int pl = s.payload().length;
    int hdr = TcpFrames.headerLength(s);
    assertThat(n).isEqualTo((pl + mss - 1) / mss);
    assertThat(seg.stride()).isEqualTo(8 + hdr + mss);
    int l3 = TcpFrames.l3(s);
    int l4 = TcpFrames.l4(s);
    for (int i = 0; i < n; i++) {
      int at = i * seg.stride();
      for (int h = 0; h < 8; h++)
        assertThat(dst.get(at + h)).as("headroom untouched").isEqualTo((byte) 0x5A);
      int f = at + 8;
      int segPl = Math.min(mss, pl - i * mss);
      int segLen = i == n - 1 ? seg.lastLength() : seg.segmentLength();
      assertThat(segLen).isEqualTo(hdr + segPl);
      int l4Len = segLen - l4;
      if (s.v6()) {
        assertThat(dst.getShort(f + l3 + 4) & 0xFFFF).isEqualTo(l4Len);
      } else {
        assertThat(dst.getShort(f + l3 + 2) & 0xFFFF).isEqualTo(20 + l4Len);
        assertThat(dst.getShort(f + l3 + 4) & 0xFFFF).isEqualTo((s.ipId() + i) & 0xFFFF);
        assertThat(TcpFrames.slowSum(dst, f + l3, 20, 0))
            .as("IPv4 header checksum")
            .isEqualTo(0xFFFF);
      }
      if (s.udp()) {
        assertThat(dst.getShort(f + l4 + 4) & 0xFFFF).isEqualTo(l4Len);
      } else {
        assertThat(dst.getInt(f + l4 + 4)).isEqualTo(s.seq() + i * mss);
        int want = s.flags();
        if (i < n - 1) want &= ~0x09;
        if (i > 0) want &= ~0x80;
        assertThat(dst.get(f + l4 + 13) & 0xFF).as("flags of segment " + i).isEqualTo(want);
        assertThat(dst.getInt(f + l4 + 8)).isEqualTo(s.ack());
      }
      assertThat(TcpFrames.l4ChecksumValid(dst, f + l3, f + l4, s.v6(), s.udp() ? 17 : 6, l4Len))
          .as("L4 checksum of segment " + i + " of " + n)
          .isTrue();
      assertThat(dst.slice(f + hdr, segPl)).isEqualTo(ByteBuffer.wrap(s.payload(), i * mss, segPl));
      // headers other than lengths, IDs, checksums, seq and flags are copies of the super-frame's
      assertThat(dst.slice(f, l3)).isEqualTo(src.slice(OFF, l3));
    }
  }

  @Property(tries = 300)
  void coalescingTheSegmentsOfATcpSuperFrameGivesItBack(
      @ForAll("superFrames") Spec raw, @ForAll @IntRange(min = 1, max = 1460) int wanted) {
    Spec s =
        new Spec(
            raw.v6(),
            false,
            raw.vlan(),
            raw.optionWords(),
            raw.ipId(),
            raw.seq(),
            raw.ack(),
            raw.flags() & 0x18,
            raw.window(),
            raw.payload());
    int mss = mss(s, wanted);
    ByteBuffer src = ByteBuffer.allocateDirect(OFF + 70_000);
    int len = TcpFrames.write(src, OFF, s);
    ByteBuffer dst = ByteBuffer.allocateDirect(300_000);
    Segmenter seg = new Segmenter();
    int n = seg.segment(src, OFF, len, info(s, mss), dst, 0, 0);

    ByteBuffer out = ByteBuffer.allocateDirect(OFF + 70_000);
    out.put(OFF, dst, 0, n == 1 ? seg.lastLength() : seg.segmentLength());
    TcpCoalescer c = new TcpCoalescer();
    boolean started =
        c.start(out, OFF, n == 1 ? seg.lastLength() : seg.segmentLength(), out.capacity());
    assertThat(started).isEqualTo(n > 1 || (s.flags() & 0x08) == 0);
    for (int i = 1; i < n; i++) {
      int segLen = i == n - 1 ? seg.lastLength() : seg.segmentLength();
      assertThat(c.append(dst, i * seg.stride(), segLen)).as("segment " + i + " of " + n).isTrue();
    }
    GsoInfo info = new GsoInfo();
    int total = c.finish(info);
    assertThat(total).isEqualTo(len);
    int l3 = OFF + TcpFrames.l3(s);
    int l4 = OFF + TcpFrames.l4(s);
    if (n == 1) {
      assertThat(info.plain()).isTrue();
      assertThat(TcpFrames.l4ChecksumValid(out, l3, l4, s.v6(), 6, len - (l4 - OFF))).isTrue();
      return;
    }
    assertThat(info.gsoType).isEqualTo(s.v6() ? GsoInfo.GSO_TCPV6 : GsoInfo.GSO_TCPV4);
    assertThat(info.gsoSize).isEqualTo(mss);
    assertThat(info.flags).isEqualTo(GsoInfo.NEEDS_CSUM);
    assertThat(info.csumStart).isEqualTo(l4 - OFF);
    assertThat(info.csumOffset).isEqualTo(16);
    int l4Len = len - (l4 - OFF);
    assertThat(out.getShort(l4 + 16) & 0xFFFF)
        .as("pseudo-header sum")
        .isEqualTo(TcpFrames.slowSum(out, 0, 0, TcpFrames.slowPseudo(out, l3, s.v6(), 6, l4Len)));
    if (!s.v6()) assertThat(TcpFrames.slowSum(out, l3, 20, 0)).isEqualTo(0xFFFF);
    // all other bytes are the super-frame's
    out.putShort(l4 + 16, (short) 0);
    if (!s.v6()) out.putShort(l3 + 10, src.getShort(l3 + 10));
    assertThat(out.slice(OFF, len)).isEqualTo(src.slice(OFF, len));
  }

  @Property(tries = 200)
  void coalescingTheDatagramsOfAUdpSuperFrameGivesItBack(
      @ForAll("superFrames") Spec raw, @ForAll @IntRange(min = 1, max = 1460) int wanted) {
    Spec s = new Spec(raw.v6(), true, raw.vlan(), 0, raw.ipId(), 0, 0, 0, 0, raw.payload());
    int pl = s.payload().length;
    // at most UdpCoalescer.MAX_SEGMENTS datagrams
    int size = Math.max(wanted, (pl + UdpCoalescer.MAX_SEGMENTS - 1) / UdpCoalescer.MAX_SEGMENTS);
    ByteBuffer src = ByteBuffer.allocateDirect(OFF + 70_000);
    int len = TcpFrames.write(src, OFF, s);
    ByteBuffer dst = ByteBuffer.allocateDirect(300_000);
    Segmenter seg = new Segmenter();
    int n = seg.segment(src, OFF, len, info(s, size), dst, 0, 0);
    ByteBuffer out = ByteBuffer.allocateDirect(OFF + 70_000);
    int firstLen = n == 1 ? seg.lastLength() : seg.segmentLength();
    out.put(OFF, dst, 0, firstLen);
    UdpCoalescer c = new UdpCoalescer();
    assertThat(c.start(out, OFF, firstLen, out.capacity())).isTrue();
    for (int i = 1; i < n; i++) {
      int segLen = i == n - 1 ? seg.lastLength() : seg.segmentLength();
      assertThat(c.append(dst, i * seg.stride(), segLen)).as("datagram " + i + " of " + n).isTrue();
    }
    GsoInfo info = new GsoInfo();
    assertThat(c.finish(info)).isEqualTo(len);
    int l3 = OFF + TcpFrames.l3(s);
    int l4 = OFF + TcpFrames.l4(s);
    if (n == 1) {
      assertThat(info.plain()).isTrue();
      return;
    }
    assertThat(info.gsoType).isEqualTo(GsoInfo.GSO_UDP_L4);
    assertThat(info.gsoSize).isEqualTo(size);
    assertThat(info.csumOffset).isEqualTo(6);
    int l4Len = len - (l4 - OFF);
    assertThat(out.getShort(l4 + 6) & 0xFFFF)
        .isEqualTo(TcpFrames.slowSum(out, 0, 0, TcpFrames.slowPseudo(out, l3, s.v6(), 17, l4Len)));
    out.putShort(l4 + 6, (short) 0);
    if (!s.v6()) out.putShort(l3 + 10, src.getShort(l3 + 10));
    assertThat(out.slice(OFF, len)).isEqualTo(src.slice(OFF, len));
  }

  enum Mutation {
    SEQ_GAP,
    OTHER_ACK,
    OTHER_PORT,
    SYN,
    FIN,
    RST,
    URG,
    IP_ID,
    TTL,
    LONGER,
    OPTION
  }

  @Property(tries = 200)
  void theCoalescerRefusesWhatTheKernelWouldNotMerge(
      @ForAll boolean v6, @ForAll Mutation m, @ForAll @IntRange(min = 100, max = 1400) int mss) {
    Spec s = new Spec(v6, false, false, 3, 7, 1000, 2000, 0x10, 100, new byte[mss * 3]);
    ByteBuffer src = ByteBuffer.allocateDirect(OFF + 70_000);
    int len = TcpFrames.write(src, OFF, s);
    ByteBuffer dst = ByteBuffer.allocateDirect(300_000);
    Segmenter seg = new Segmenter();
    GsoInfo in = info(s, mss);
    assertThat(seg.segment(src, OFF, len, in, dst, 0, 0)).isEqualTo(3);
    int st = seg.stride();
    int l3 = TcpFrames.l3(s);
    int l4 = TcpFrames.l4(s);
    int second = st;
    int segLen = seg.segmentLength();
    switch (m) {
      case SEQ_GAP -> dst.putInt(second + l4 + 4, dst.getInt(second + l4 + 4) + 1);
      case OTHER_ACK -> dst.putInt(second + l4 + 8, 2001);
      case OTHER_PORT -> dst.putShort(second + l4, (short) 40001);
      case SYN -> dst.put(second + l4 + 13, (byte) 0x12);
      case FIN -> dst.put(second + l4 + 13, (byte) 0x11);
      case RST -> dst.put(second + l4 + 13, (byte) 0x14);
      case URG -> dst.put(second + l4 + 13, (byte) 0x30);
      case IP_ID -> {
        if (v6) dst.put(second + l3 + 7, (byte) 63); // hop limit instead
        else dst.putShort(second + l3 + 4, (short) 9);
      }
      case TTL -> dst.put(second + l3 + (v6 ? 7 : 8), (byte) 1);
      case LONGER -> {
        // the second segment carries one byte more than the first: take it from the third
        segLen = seg.segmentLength() + 1;
        if (v6) dst.putShort(second + l3 + 4, (short) (dst.getShort(second + l3 + 4) + 1));
        else dst.putShort(second + l3 + 2, (short) (dst.getShort(second + l3 + 2) + 1));
      }
      case OPTION -> dst.put(second + l4 + 22, (byte) 0x77);
    }
    ByteBuffer out = ByteBuffer.allocateDirect(OFF + 70_000);
    out.put(OFF, dst, 0, seg.segmentLength());
    TcpCoalescer c = new TcpCoalescer();
    assertThat(c.start(out, OFF, seg.segmentLength(), out.capacity())).isTrue();
    assertThat(c.append(dst, second, segLen)).as(m.name()).isFalse();
    GsoInfo info = new GsoInfo();
    assertThat(c.finish(info)).isEqualTo(seg.segmentLength());
    assertThat(info.plain()).isTrue();
  }

  @Property(tries = 200)
  void completingAChecksumFillsWhatThePseudoHeaderLeftOpen(@ForAll("superFrames") Spec raw) {
    byte[] p = java.util.Arrays.copyOf(raw.payload(), Math.min(raw.payload().length, 1400));
    Spec s =
        new Spec(
            raw.v6(),
            raw.udp(),
            raw.vlan(),
            raw.optionWords(),
            raw.ipId(),
            raw.seq(),
            raw.ack(),
            raw.flags(),
            raw.window(),
            p);
    ByteBuffer b = ByteBuffer.allocateDirect(OFF + 2000);
    int len = TcpFrames.write(b, OFF, s);
    int l3 = OFF + TcpFrames.l3(s);
    int l4 = OFF + TcpFrames.l4(s);
    int l4Len = len - (l4 - OFF);
    int proto = s.udp() ? 17 : 6;
    GsoInfo info = info(s, 1000);
    info.gsoType = GsoInfo.GSO_NONE;
    int field = l4 + info.csumOffset;
    b.putShort(
        field,
        (short) TcpFrames.slowSum(b, 0, 0, TcpFrames.slowPseudo(b, l3, s.v6(), proto, l4Len)));
    assertThat(new Segmenter().completeChecksum(b, OFF, len, info)).isTrue();
    assertThat(TcpFrames.l4ChecksumValid(b, l3, l4, s.v6(), proto, l4Len)).isTrue();
  }

  @Property(tries = 500)
  void garbageNeverThrows(
      @ForAll byte[] bytes,
      @ForAll @IntRange(min = 0, max = 255) int type,
      @ForAll @IntRange(min = 0, max = 70000) int gsoSize,
      @ForAll @IntRange(min = 0, max = 70000) int csumStart,
      @ForAll @IntRange(min = 0, max = 70000) int csumOffset) {
    ByteBuffer b = ByteBuffer.allocateDirect(OFF + bytes.length + 64);
    b.put(OFF, bytes);
    GsoInfo info = new GsoInfo();
    info.flags = GsoInfo.NEEDS_CSUM;
    info.gsoType = type;
    info.gsoSize = gsoSize;
    info.csumStart = csumStart;
    info.csumOffset = csumOffset;
    ByteBuffer dst = ByteBuffer.allocateDirect(70_000);
    Segmenter seg = new Segmenter();
    int n = seg.segment(b, OFF, bytes.length, info, dst, 0, 8);
    assertThat(n).isGreaterThanOrEqualTo(-1);
    seg.completeChecksum(b, OFF, bytes.length, info);
    TcpCoalescer c = new TcpCoalescer();
    c.start(b, OFF, bytes.length, b.capacity());
    c.append(b, OFF, bytes.length);
    assertThat(c.finish(info)).isGreaterThanOrEqualTo(bytes.length);
  }
}
