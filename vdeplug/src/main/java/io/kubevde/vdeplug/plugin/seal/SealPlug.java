package io.kubevde.vdeplug.plugin.seal;

import io.kubevde.vdeplug.Plug;
import io.kubevde.vdeplug.PlugStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code seal://KEYFILE{INNER-VNL}}: an authenticated, encrypted wrapper around any other plug.
 * Every frame sent is sealed with AES-256-GCM under the network key ({@link SealFormat}) and sent
 * through the inner plug; every datagram received from the inner plug is authenticated, checked
 * against the sender's replay window and decrypted; anything that fails is dropped, counted per
 * {@link Verdict} in {@link #sealStats()} (and as malformed, or dropped for replays, in {@link
 * #stats()}), and never delivered: {@link #receive} then returns {@link #NO_FRAME}.
 *
 * <p>Keys come from a {@link KeyFile}; the file is re-read when its stamp (mtime, size, inode)
 * changes, checked at most once per second from the send/receive paths, or at once with {@link
 * #reloadKeys()}. A reload swaps the keys atomically without touching the inner plug; a failing
 * automatic reload keeps the previous keys (counted, and reported once on stderr).
 *
 * <p>Threading as {@link Plug}: one receiver and any senders (serialised on one sealer). Per frame,
 * nothing is allocated by this class except the JDK's {@code GCMParameterSpec} (the JDK API takes
 * the nonce only that way).
 */
public final class SealPlug implements Plug {
  private static final Logger LOG = LoggerFactory.getLogger(SealPlug.class);

  private static final long RELOAD_CHECK_NANOS = 1_000_000_000L;

  private final Plug inner;
  private final Path keyFile;
  private final boolean anyPermission;
  private final OptionalInt current;
  private final PlugStats stats = new PlugStats();
  private final SealStats sealStats = new SealStats();
  private final Sealer sealer;
  private final Opener opener;
  private final ByteBuffer sendBuf = ByteBuffer.allocate(Plug.MAX_FRAME);
  private final ByteBuffer recvBuf = ByteBuffer.allocate(Plug.MAX_FRAME);
  private final Object sendLock = new Object();
  private final Object reloadLock = new Object();
  private final AtomicLong nextCheck;
  private volatile Keyring keys;
  private volatile KeyFile.Stamp stamp;
  private volatile String lastReloadError;
  private volatile boolean closed;

  /**
   * Wraps {@code inner}; on success the seal plug owns it (closing the seal plug closes it).
   *
   * @param inner the transport for sealed frames
   * @param options key file, current key override, permission override, replay table size
   * @param random source of the sender id and counter start
   * @throws IOException when the key file cannot be read, is not private, or is invalid (inner is
   *     then left open)
   */
  public SealPlug(Plug inner, SealOptions options, SecureRandom random) throws IOException {
    this.inner = Objects.requireNonNull(inner);
    this.keyFile = options.keyFile();
    this.anyPermission = options.anyPermission();
    this.current = options.current();
    this.stamp = KeyFile.stamp(keyFile);
    this.keys = KeyFile.load(keyFile, anyPermission, current);
    this.sealer = new Sealer(random);
    this.opener = new Opener(options.senders());
    this.nextCheck = new AtomicLong(System.nanoTime() + RELOAD_CHECK_NANOS);
  }

  /** The keys in use now. */
  public Keyring keys() {
    return keys;
  }

  /** The wrapped plug. */
  public Plug inner() {
    return inner;
  }

  /** This plug's random sender id (the first 4 bytes of its nonces). */
  public int senderId() {
    return sealer.senderId();
  }

  /** Drop reasons, oversize frames and reloads. */
  public SealStats sealStats() {
    return sealStats;
  }

  /**
   * Re-reads the key file now and swaps the keys (a no-op swap when nothing changed).
   *
   * @throws IOException when the file is unreadable, not private or invalid; the previous keys stay
   *     in use
   */
  public void reloadKeys() throws IOException {
    synchronized (reloadLock) {
      KeyFile.Stamp s = KeyFile.stamp(keyFile);
      Keyring k = KeyFile.load(keyFile, anyPermission, current);
      stamp = s;
      keys = k;
      lastReloadError = null;
      sealStats.countReload();
    }
  }

  /** At most once per {@link #RELOAD_CHECK_NANOS}: reload when the file's stamp changed. */
  private void maybeReload() {
    long now = System.nanoTime();
    long next = nextCheck.get();
    if (now - next < 0 || !nextCheck.compareAndSet(next, now + RELOAD_CHECK_NANOS)) return;
    try {
      if (KeyFile.stamp(keyFile).equals(stamp)) return;
      reloadKeys();
    } catch (IOException e) {
      sealStats.countReloadFailure();
      String msg = e.getMessage();
      if (!msg.equals(lastReloadError)) {
        lastReloadError = msg;
        LOG.warn("seal: keeping the previous keys: " + msg.replaceFirst("^seal: ", ""));
      }
    }
  }

  @Override
  public void send(ByteBuffer frame) throws IOException {
    if (closed) throw new ClosedChannelException();
    int n = frame.remaining();
    if (n < MIN_FRAME) {
      frame.position(frame.limit());
      stats.dropped();
      return;
    }
    if (n > SealFormat.MAX_FRAME) {
      frame.position(frame.limit());
      sealStats.countOversize();
      stats.dropped();
      return;
    }
    maybeReload();
    synchronized (sendLock) {
      sealer.seal(keys.current(), frame, sendBuf);
      inner.send(sendBuf);
    }
    stats.sent(n);
  }

  @Override
  public int receive(ByteBuffer frame) throws IOException {
    recvBuf.clear();
    int r = inner.receive(recvBuf);
    if (r <= 0) return r; // NO_FRAME or CLOSED from the transport
    recvBuf.flip();
    maybeReload();
    Verdict v = opener.open(keys, recvBuf, frame);
    sealStats.count(v);
    switch (v) {
      case OPENED -> {
        int n = r - SealFormat.OVERHEAD;
        stats.received(n);
        return n;
      }
      case REPLAY -> stats.dropped();
      default -> stats.malformed();
    }
    return NO_FRAME;
  }

  @Override
  public PlugStats stats() {
    return stats;
  }

  @Override
  public void close() throws IOException {
    if (closed) return;
    closed = true;
    inner.close();
  }

  @Override
  public String toString() {
    return "seal[" + keyFile + " " + keys + "]{" + inner + "}";
  }
}
