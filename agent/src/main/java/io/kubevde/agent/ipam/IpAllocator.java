package io.kubevde.agent.ipam;

import io.kubevde.agent.model.AttachmentKey;
import io.kubevde.agent.model.IpamConfig;
import io.kubevde.agent.model.NetConf;
import io.kubevde.api.net.Cidr;
import io.kubevde.cni.protocol.CniError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A host-local-like address allocator (the reference plugin's on-disk layout) with <b>one pool per
 * VdeNetwork</b>: the pool is the config's {@code network} ({@code <ns>/<name>}), whatever CNI
 * config {@code name} the request came with, so a Multus NAD ({@code name: blue}) and a chained
 * annotation ({@code default/blue}) share one pool and one cursor. Layout under {@code
 * <stateDir>/ipam/<pool, percent-encoded>/}:
 *
 * <ul>
 *   <li>{@code <address>}: one file per reserved address holding {@code containerId\nifName\n};
 *   <li>{@code last_reserved_ip.0}: the cursor (the address handed out last, text), so allocation
 *       continues after it also across restarts (round robin: a released address is not reused at
 *       once); a dual-stack network's second subnet has its own, {@code last_reserved_ip.1}. A pod
 *       of a dual-stack network gets one address of each subnet (or exactly the requested ones).
 * </ul>
 *
 * Crash safety: a reservation is written to a temp file, fsynced, then hard-linked to its address
 * name (the link is an atomic create-if-absent: it never exists half-written, two ADDs or agents
 * never get one address) and the directory is fsynced; the cursor is written temp + fsync + rename
 * + directory fsync. A crash between reservation and attachment record leaves a reservation without
 * record: {@link #reclaim} frees it (at start and periodically). Thread-safe (one lock per pool).
 */
public final class IpAllocator {
  /** The cursor file name (host-local's, range 0: the first subnet). */
  public static final String CURSOR = "last_reserved_ip.0";

  /**
   * Prefix of the cursor files, one per subnet ({@code last_reserved_ip.<i>}, host-local's names:
   * {@code .1} is a dual-stack network's second subnet).
   */
  public static final String CURSOR_PREFIX = "last_reserved_ip.";

  /** Temp file names carry the pid: two agents on one state directory never share a temp file. */
  private static final String TMP_TAG = ProcessHandle.current().pid() + "-";

  private final Path root;
  private final Map<String, Object> locks = new HashMap<>();
  private final Map<String, BigInteger> cursor = new HashMap<>();

  /**
   * @param root the {@code ipam} directory (created when missing)
   */
  public IpAllocator(Path root) {
    this.root = root;
  }

  private Object lock(String pool) {
    synchronized (locks) {
      return locks.computeIfAbsent(pool, n -> new Object());
    }
  }

  private Path dir(String pool) throws IOException {
    Path d = root.resolve(AttachmentKey.encode(pool));
    Files.createDirectories(d);
    return d;
  }

  /** The pool's directory without creating it (readers: a pool never used has no reservations). */
  private Path existing(String pool) {
    return root.resolve(AttachmentKey.encode(pool));
  }

  /**
   * Reserves the addresses of {@code key} in the pool of {@code conf.network()}: the requested ones
   * ({@code runtimeConfig.ips}) if any — each checked by {@link IpamConfig#staticRefusal} and
   * unique on this node — else one from the IPAM range; none when the network is pure L2.
   *
   * @return the reserved addresses with their prefix length
   * @throws CniError.Failure code 102 when the range is exhausted, 7 when a requested address is
   *     taken, malformed or not allowed (outside the subnet, gateway, network/broadcast, another
   *     node's block)
   */
  public List<Cidr> allocate(NetConf conf, AttachmentKey key) {
    IpamConfig ipam = conf.ipam();
    String pool = conf.network();
    synchronized (lock(pool)) {
      try {
        Path d = dir(pool);
        List<Cidr> out = new ArrayList<>();
        if (!conf.ips().isEmpty()) {
          for (String req : conf.ips()) {
            IpamConfig fam =
                ipam == null || !ipam.allocates() ? null : ipam.family(req.contains(":"));
            Cidr c;
            try {
              c =
                  Cidr.parse(
                      req.contains("/") || fam == null ? req : req + "/" + fam.subnet().prefix());
            } catch (IllegalArgumentException e) {
              release(pool, key);
              throw NetConf.invalid("runtimeConfig.ips: " + e.getMessage());
            }
            String why =
                ipam == null || !ipam.allocates()
                    ? null
                    : fam == null
                        ? "requested address " + c.ip() + " is outside the subnet " + ipam.subnet()
                        : fam.staticRefusal(c);
            if (why != null) {
              release(pool, key);
              throw NetConf.invalid(why + " (network " + pool + ")");
            }
            if (!reserve(d, c.address(), c.v6(), key)) {
              release(pool, key);
              throw NetConf.invalid("requested address " + c.ip() + " is already in use");
            }
            out.add(c);
          }
          return out;
        }
        if (ipam == null || !ipam.allocates()) return out;
        // dual-stack: one address of each family, each family with its own cursor
        List<IpamConfig> fams = ipam.families();
        for (int i = 0; i < fams.size(); i++) {
          Cidr got = allocateOne(d, pool, i, fams.get(i), key);
          if (got == null) {
            release(pool, key);
            throw new CniError.Failure(
                CniError.POOL_EXHAUSTED,
                "no free address in " + fams.get(i).subnet() + " for network " + pool);
          }
          out.add(got);
        }
        return out;
      } catch (IOException e) {
        throw new CniError.Failure(CniError.IO_FAILURE, "IPAM state: " + e.getMessage());
      }
    }
  }

  /**
   * One address of {@code ipam}'s range after cursor {@code index} (file {@code
   * last_reserved_ip.<index>}), or null when the range is full. Caller holds the pool lock.
   */
  private Cidr allocateOne(Path d, String pool, int index, IpamConfig ipam, AttachmentKey key)
      throws IOException {
    String cursorKey = pool + "\n" + index;
    String cursorFile = CURSOR_PREFIX + index;
    BigInteger size = ipam.rangeEnd().subtract(ipam.rangeStart()).add(BigInteger.ONE);
    BigInteger start =
        cursor.computeIfAbsent(cursorKey, p -> readCursor(d, cursorFile, ipam.subnet().v6()));
    if (start == null) start = ipam.rangeEnd();
    BigInteger ip = start;
    long limit = size.min(BigInteger.valueOf(1 << 20)).longValue();
    for (long i = 0; i < limit; i++) {
      ip = ip.add(BigInteger.ONE);
      if (ip.compareTo(ipam.rangeEnd()) > 0 || ip.compareTo(ipam.rangeStart()) < 0)
        ip = ipam.rangeStart();
      if (!ipam.allocatable(ip)) continue;
      if (reserve(d, ip, ipam.subnet().v6(), key)) {
        cursor.put(cursorKey, ip);
        writeCursor(d, cursorFile, Cidr.format(ip, ipam.subnet().v6()));
        return ipam.subnet().with(ip);
      }
    }
    return null;
  }

  private static BigInteger readCursor(Path d, String file, boolean v6) {
    try {
      Cidr c = Cidr.parse(Files.readString(d.resolve(file), StandardCharsets.UTF_8).strip());
      return c.v6() == v6 ? c.address() : null;
    } catch (IOException | RuntimeException e) {
      return null; // no or unreadable cursor: start at the beginning of the range
    }
  }

  private static void writeCursor(Path d, String file, String text) throws IOException {
    Path tmp = d.resolve(".cursor.tmp" + TMP_TAG + Thread.currentThread().threadId());
    writeSynced(tmp, text);
    Files.move(
        tmp, d.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDir(d);
  }

  /** Writes {@code text} to a new {@code f} and fsyncs it. */
  static void writeSynced(Path f, String text) throws IOException {
    try (FileChannel ch =
        FileChannel.open(
            f,
            StandardOpenOption.CREATE,
            StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
      while (b.hasRemaining()) ch.write(b);
      ch.force(true);
    }
  }

  /** fsyncs directory {@code d} (makes a create, link, rename or delete in it durable). */
  public static void syncDir(Path d) throws IOException {
    try (FileChannel ch = FileChannel.open(d, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static boolean reserve(Path d, BigInteger ip, boolean v6, AttachmentKey key)
      throws IOException {
    Path f = d.resolve(Cidr.format(ip, v6));
    String owner = owner(key);
    Path tmp = d.resolve(".res.tmp" + TMP_TAG + Thread.currentThread().threadId());
    writeSynced(tmp, owner);
    try {
      Files.createLink(f, tmp); // atomic create-if-absent, never half-written
      syncDir(d);
      return true;
    } catch (FileAlreadyExistsException e) {
      // ours already (a retried ADD after a crash) counts as reserved
      return owner.equals(read(f));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static String owner(AttachmentKey key) {
    return key.containerId() + "\n" + key.ifName() + "\n";
  }

  private static String read(Path f) {
    try {
      return Files.readString(f, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isReservation(Path f) {
    String n = f.getFileName().toString();
    return !n.startsWith(".") && !n.startsWith(CURSOR_PREFIX);
  }

  /** The owner of a reservation file, or {@code null} when it is empty or garbled. */
  private static AttachmentKey.Id ownerOf(String text) {
    if (text == null) return null;
    String[] p = text.split("\n");
    if (p.length < 2 || p[0].isBlank() || p[1].isBlank()) return null;
    return new AttachmentKey.Id(p[0].strip(), p[1].strip());
  }

  /**
   * Releases every address held by {@code key} in {@code pool} (a VdeNetwork); returns how many.
   * Idempotent.
   */
  public int release(String pool, AttachmentKey key) {
    return release(pool, key.id());
  }

  /** Releases every address held by {@code id} in {@code pool}; returns how many. Idempotent. */
  public int release(String pool, AttachmentKey.Id id) {
    synchronized (lock(pool)) {
      int n = 0;
      Path d = existing(pool);
      if (!Files.isDirectory(d)) return 0;
      try {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
          for (Path f : ds) {
            if (isReservation(f) && id.equals(ownerOf(read(f))) && Files.deleteIfExists(f)) n++;
          }
        }
        if (n > 0) syncDir(d);
      } catch (IOException e) {
        throw new CniError.Failure(CniError.IO_FAILURE, "IPAM state: " + e.getMessage());
      }
      return n;
    }
  }

  /**
   * Frees the orphaned reservations of {@code pool}: files whose owner is empty or garbled, and
   * owners for which {@code live} says false (no attachment record). The caller makes sure no ADD
   * of such an owner is in flight.
   *
   * @return the freed addresses
   */
  public List<String> reclaim(String pool, Predicate<AttachmentKey.Id> live) {
    synchronized (lock(pool)) {
      List<String> freed = new ArrayList<>();
      Path d = existing(pool);
      if (!Files.isDirectory(d)) return freed;
      try {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
          for (Path f : ds) {
            if (!isReservation(f)) continue;
            AttachmentKey.Id id = ownerOf(read(f));
            if ((id == null || !live.test(id)) && Files.deleteIfExists(f))
              freed.add(f.getFileName().toString());
          }
        }
        if (!freed.isEmpty()) syncDir(d);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return freed;
    }
  }

  /** The pools (VdeNetworks) with a directory here. */
  public List<String> pools() {
    List<String> out = new ArrayList<>();
    if (!Files.isDirectory(root)) return out;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path d : ds)
        out.add(
            java.net.URLDecoder.decode(
                d.getFileName().toString().replace("+", "%2B"), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  /** The addresses currently reserved in {@code pool} (text form), for tests and GC. */
  public Set<String> reserved(String pool) {
    synchronized (lock(pool)) {
      Set<String> out = new HashSet<>();
      if (!Files.isDirectory(existing(pool))) return out;
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(existing(pool))) {
        for (Path f : ds) if (isReservation(f)) out.add(f.getFileName().toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out;
    }
  }

  /** The (container id, ifname) owners holding addresses in {@code pool}. */
  public Set<AttachmentKey.Id> owners(String pool) {
    synchronized (lock(pool)) {
      Set<AttachmentKey.Id> out = new HashSet<>();
      if (!Files.isDirectory(existing(pool))) return out;
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(existing(pool))) {
        for (Path f : ds) {
          AttachmentKey.Id id = isReservation(f) ? ownerOf(read(f)) : null;
          if (id != null) out.add(id);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return out;
    }
  }
}
