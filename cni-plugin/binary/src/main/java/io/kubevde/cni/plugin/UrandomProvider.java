package io.kubevde.cni.plugin;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.Provider;
import java.security.SecureRandomSpi;
import java.util.Map;

/**
 * A one-service security provider installed first in the binary's own jlink'd runtime (package.sh
 * edits its {@code conf/security/java.security}): {@code SecureRandom.NativePRNGNonBlocking}
 * reading {@code /dev/urandom}, exactly what the JDK's NativePRNGNonBlocking does. Why: opening a
 * JDK AF_UNIX channel initialises {@code sun.nio.ch.UnixDomainSockets}, which asks for that
 * algorithm (to name auto-bound sockets, which the binary never uses); served by the SUN provider
 * it costs ~14 ms of the interpreted start-up (provider construction with all its services), served
 * here well under 1 ms. Every other algorithm still comes from the JDK's providers, which follow
 * this one.
 */
public final class UrandomProvider extends Provider {
  /** Creates the provider (public no-argument constructor: loaded by name from java.security). */
  public UrandomProvider() {
    super("KubevdeUrandom", "1.0", "kubevde CNI binary: NativePRNGNonBlocking from /dev/urandom");
    putService(
        new Service(
            this,
            "SecureRandom",
            "NativePRNGNonBlocking",
            Spi.class.getName(),
            null,
            Map.of("ThreadSafe", "true")));
  }

  /**
   * The SecureRandom implementation: bytes from /dev/urandom; seeding is a no-op (the kernel pool
   * is the seed).
   */
  public static final class Spi extends SecureRandomSpi {
    /** Public no-argument constructor (instantiated by the provider framework). */
    public Spi() {}

    @Override
    protected void engineSetSeed(byte[] seed) {
      // /dev/urandom needs no seed, as with the JDK's NativePRNGNonBlocking
    }

    @Override
    protected void engineNextBytes(byte[] bytes) {
      try (FileInputStream in = new FileInputStream("/dev/urandom")) {
        if (in.readNBytes(bytes, 0, bytes.length) != bytes.length)
          throw new IOException("short read from /dev/urandom");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    protected byte[] engineGenerateSeed(int numBytes) {
      byte[] b = new byte[numBytes];
      engineNextBytes(b);
      return b;
    }
  }
}
