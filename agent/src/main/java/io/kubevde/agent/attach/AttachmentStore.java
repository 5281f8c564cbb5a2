package io.kubevde.agent.attach;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.AttachmentRecord;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The attachment records on disk: one {@link AttachmentRecord} JSON file per attachment in one
 * directory (default {@code /var/lib/kubevde/attachments}), named by {@link
 * AttachmentKey#fileName()}. Writes are atomic and durable (temp file + fsync + rename + directory
 * fsync), so a crash leaves the old or the new record, never half of one. Thread-safe for different
 * keys (the runtime serialises operations on one container).
 */
public final class AttachmentStore {
  private final Path dir;
  private final AtomicLong malformed = new AtomicLong();

  /**
   * @param dir the records directory (created when missing)
   */
  public AttachmentStore(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  /** The records directory. */
  public Path dir() {
    return dir;
  }

  /**
   * Writes (creates or replaces) the record crash-safely: temp file, fsync, rename over the record,
   * fsync of the directory — after a crash the old or the new record is there, complete.
   */
  public void write(AttachmentRecord r) throws IOException {
    Path f = dir.resolve(r.key().fileName());
    Path tmp = dir.resolve("." + r.key().fileName() + ".tmp" + Thread.currentThread().threadId());
    try (FileChannel ch =
        FileChannel.open(
            tmp,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(r.toJson().getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) ch.write(b);
      ch.force(true);
    }
    Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDir();
  }

  private void syncDir() throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /**
   * The record of {@code key}, or {@code null}; an unreadable file counts as malformed and reads as
   * absent.
   */
  public AttachmentRecord read(AttachmentKey key) {
    return load(dir.resolve(key.fileName()));
  }

  private AttachmentRecord load(Path f) {
    try {
      return AttachmentRecord.fromJson(Files.readString(f, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | RuntimeException e) {
      malformed.incrementAndGet();
      return null;
    }
  }

  /** Deletes the record of {@code key}; true when one existed. */
  public boolean delete(AttachmentKey key) throws IOException {
    boolean existed = Files.deleteIfExists(dir.resolve(key.fileName()));
    if (existed) syncDir();
    return existed;
  }

  /** Every readable record (malformed files are skipped and counted). */
  public List<AttachmentRecord> list() {
    List<AttachmentRecord> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
      for (Path f : ds) {
        if (f.getFileName().toString().startsWith(".")) continue;
        AttachmentRecord r = load(f);
        if (r != null) out.add(r);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** How many record files could not be read. */
  public long malformed() {
    return malformed.get();
  }
}
