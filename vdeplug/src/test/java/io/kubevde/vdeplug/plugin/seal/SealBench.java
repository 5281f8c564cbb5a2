package io.kubevde.vdeplug.plugin.seal;

import io.kubevde.vdeplug.Plug;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.List;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A quick (JMH-free) measurement of the seal codec on one core: frames per second sealed and then
 * opened (both halves, as one frame costs one sender plus one receiver), and the bytes the JVM
 * allocated per frame, for 64-byte and 1500-byte frames; then the same round trip with the JDK's
 * ChaCha20-Poly1305 for the README's choice. Printed, not asserted. Run with {@code bench/seal}
 * ({@code java -cp … io.kubevde.vdeplug.plugin.seal.SealBench [SECONDS]}).
 */
public final class SealBench {
  private SealBench() {}

  /**
   * Entry point: optional argument = seconds measured per case (default 3, after 2 s of warm-up).
   */
  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 3;
    com.sun.management.ThreadMXBean mx =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    System.out.printf(
        "seal codec, one thread, %s, %s%n",
        SealFormat.TRANSFORMATION, System.getProperty("java.vm.version"));
    StringBuilder result = new StringBuilder("RESULT");
    for (int size : new int[] {64, 1500}) {
      double[] gcm = sealOpen(size, seconds, mx);
      double chacha = chachaRoundTrip(size, seconds);
      System.out.printf(
          "%5d-byte frames: AES-256-GCM seal+open %,10.0f frames/s (%6.1f MB/s of frames), "
              + "%5.0f B allocated/frame; raw ChaCha20-Poly1305 encrypt+decrypt %,10.0f frames/s%n",
          size, gcm[0], gcm[0] * size / 1e6, gcm[1], chacha);
      result
          .append(" gcm_")
          .append(size)
          .append("=")
          .append(Math.round(gcm[0]))
          .append(" alloc_")
          .append(size)
          .append("=")
          .append(Math.round(gcm[1]))
          .append(" chacha_")
          .append(size)
          .append("=")
          .append(Math.round(chacha));
    }
    System.out.println(result);
  }

  private static double[] sealOpen(int size, double seconds, com.sun.management.ThreadMXBean mx) {
    SealKey key = SealKey.of(1, random(32));
    Keyring ring = new Keyring(List.of(key), 1);
    Sealer sealer = new Sealer(new SecureRandom());
    Opener opener = new Opener(16);
    // the caller's buffers are direct, as a tap or vde_plug's stream loop uses; the codec's own are
    // heap
    ByteBuffer frame = ByteBuffer.allocateDirect(size).put(random(size)).flip();
    ByteBuffer sealed = ByteBuffer.allocate(Plug.MAX_FRAME);
    ByteBuffer out = ByteBuffer.allocateDirect(Plug.MAX_FRAME);
    loop(sealer, opener, ring, key, frame, sealed, out, 2.0);
    long tid = Thread.currentThread().threadId();
    long alloc0 = mx.getThreadAllocatedBytes(tid);
    long[] n = loop(sealer, opener, ring, key, frame, sealed, out, seconds);
    long alloc = mx.getThreadAllocatedBytes(tid) - alloc0;
    return new double[] {n[0] * 1e9 / n[1], (double) alloc / n[0]};
  }

  /** Returns {frames, nanos}. */
  private static long[] loop(
      Sealer sealer,
      Opener opener,
      Keyring ring,
      SealKey key,
      ByteBuffer frame,
      ByteBuffer sealed,
      ByteBuffer out,
      double seconds) {
    long start = System.nanoTime();
    long end = start + (long) (seconds * 1e9);
    long frames = 0;
    long now;
    do {
      for (int i = 0; i < 256; i++) {
        frame.rewind();
        sealer.seal(key, frame, sealed);
        out.clear();
        if (opener.open(ring, sealed, out) != Verdict.OPENED)
          throw new AssertionError("did not open");
      }
      frames += 256;
      now = System.nanoTime();
    } while (now < end);
    return new long[] {frames, now - start};
  }

  private static double chachaRoundTrip(int size, double seconds) throws Exception {
    SecretKeySpec key = new SecretKeySpec(random(32), "ChaCha20");
    Cipher enc = Cipher.getInstance("ChaCha20-Poly1305");
    Cipher dec = Cipher.getInstance("ChaCha20-Poly1305");
    ByteBuffer in = ByteBuffer.wrap(random(size));
    ByteBuffer sealed = ByteBuffer.allocate(size + 16);
    ByteBuffer out = ByteBuffer.allocate(size);
    byte[] nonce = new byte[12];
    byte[] aad = new byte[28];
    long counter = 0;
    long frames = 0;
    long warm = System.nanoTime() + 2_000_000_000L;
    long start = 0;
    long end = Long.MAX_VALUE;
    while (true) {
      for (int i = 0; i < 256; i++) {
        ByteBuffer.wrap(nonce).putLong(4, ++counter);
        enc.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(nonce));
        enc.updateAAD(aad);
        in.rewind();
        sealed.clear();
        enc.doFinal(in, sealed);
        sealed.flip();
        dec.init(Cipher.DECRYPT_MODE, key, new IvParameterSpec(nonce));
        dec.updateAAD(aad);
        out.clear();
        dec.doFinal(sealed, out);
      }
      long now = System.nanoTime();
      if (start == 0 && now >= warm) {
        start = now;
        end = now + (long) (seconds * 1e9);
        frames = 0;
        continue;
      }
      frames += 256;
      if (now >= end) return frames * 1e9 / (now - start);
    }
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
