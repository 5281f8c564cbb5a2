package io.kubevde.vdeplug.testing;

import java.nio.ByteBuffer;
import java.util.HexFormat;

/**
 * Crafted Ethernet frames for tests: {@code dst src type payload}, MACs as {@code
 * "52:54:00:00:00:01"}.
 */
public final class EthFrames {
  private EthFrames() {}

  /** Broadcast MAC. */
  public static final String BROADCAST = "ff:ff:ff:ff:ff:ff";

  /** A local experimental EtherType (0x88b5) for test payloads. */
  public static final int TEST_TYPE = 0x88b5;

  /** The 6 bytes of {@code mac}. */
  public static byte[] mac(String mac) {
    return HexFormat.ofDelimiter(":").parseHex(mac);
  }

  /** An untagged frame. */
  public static byte[] frame(String dst, String src, int type, String payload) {
    byte[] p = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(14 + p.length);
    b.put(mac(dst)).put(mac(src)).putShort((short) type).put(p);
    return b.array();
  }

  /** An 802.1Q-tagged frame (TPID 0x8100, PCP 0, VID {@code vid}). */
  public static byte[] tagged(String dst, String src, int vid, int type, String payload) {
    byte[] p = payload.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(18 + p.length);
    b.put(mac(dst))
        .put(mac(src))
        .putShort((short) 0x8100)
        .putShort((short) vid)
        .putShort((short) type)
        .put(p);
    return b.array();
  }

  /** The frame as a direct buffer ready to send. */
  public static ByteBuffer direct(byte[] frame) {
    return ByteBuffer.allocateDirect(frame.length).put(frame).flip();
  }

  /** Hex dump for messages. */
  public static String hex(byte[] frame) {
    return HexFormat.ofDelimiter(" ").formatHex(frame);
  }
}
