package io.kubevde.vdeplug.netnode;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.vnl.Vnl;
import io.kubevde.vdeplug.vnl.VnlOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Configuration of a netnode (vde-protocols.md §1.2 family B, §6.1, §6.2).
 *
 * @param directory the rendezvous directory C clients reach with {@code vde://DIR}; empty = no
 *     rendezvous (a purely in-process node, e.g. for the agent)
 * @param mode permission bits of {@code ctl} and the {@code fd<n>} data sockets (x bits stripped)
 * @param dirMode permission bits of the directory (with set-gid, e.g. 02700)
 * @param group group (name or number) owning the directory and sockets, if any
 * @param hashSize switch MAC table slots (rounded up to a power of two; 0 disables learning),
 *     default 256
 * @param hashSeed switch MAC table hash seed, default 0
 * @param expireSeconds switch MAC entry lifetime after the last sighting, seconds, default 120
 * @param dedupMillis multi only: duplicate-suppression window in ms (0 = off, the vdeplug4
 *     behaviour); see {@link MultiPolicy}
 * @param healthMillis bonding only: a link silent for this many ms is skipped (0 = off); see {@link
 *     BondingPolicy}
 * @param limits every port's ingress policing and storm control (kubevde extension), default {@link
 *     PortLimits#DEFAULT}
 * @param confineClients whether {@code vde://} clients must have their data socket inside the
 *     directory (kubevde extension, for directories shared with containers: see {@link
 *     ClientSocket}); false (the default) also accepts a socket elsewhere, as vdeplug4 does
 */
public record NetnodeConfig(
    Optional<Path> directory,
    int mode,
    int dirMode,
    Optional<String> group,
    int hashSize,
    long hashSeed,
    int expireSeconds,
    int dedupMillis,
    int healthMillis,
    PortLimits limits,
    boolean confineClients) {
  /** Key table in matching order (§1.2). */
  public static final List<String> KEYS =
      List.of(
          "mode",
          "dirmode",
          "grp",
          "hashsize",
          "hashseed",
          "expiretime",
          "dedup",
          "health",
          "stormpps",
          "policepps",
          "policebps",
          "burstms");

  /** Default silence after which {@code [health]} bonding skips a link: 500 ms. */
  public static final int DEFAULT_HEALTH_MS = 500;

  /** Default duplicate-suppression window of {@code [dedup]}: 200 ms. */
  public static final int DEFAULT_DEDUP_MS = 200;

  /** Default socket mode (vdeplug4 4.0.1 without options): 0600. */
  public static final int DEFAULT_MODE = 0600;

  /** Default MAC table size: 256 slots. */
  public static final int DEFAULT_HASHSIZE = 256;

  /** Default MAC entry lifetime: 120 s. */
  public static final int DEFAULT_EXPIRE = 120;

  public NetnodeConfig {
    directory = directory == null ? Optional.empty() : directory;
    group = group == null ? Optional.empty() : group;
    if (hashSize < 0) throw new IllegalArgumentException("hashSize must be >= 0");
    if (expireSeconds <= 0) expireSeconds = DEFAULT_EXPIRE;
    if (dedupMillis < 0) throw new IllegalArgumentException("dedupMillis must be >= 0");
    if (healthMillis < 0) throw new IllegalArgumentException("healthMillis must be >= 0");
    limits = limits == null ? PortLimits.DEFAULT : limits;
  }

  /** As the canonical constructor, accepting client data sockets outside the directory. */
  public NetnodeConfig(
      Optional<Path> directory,
      int mode,
      int dirMode,
      Optional<String> group,
      int hashSize,
      long hashSeed,
      int expireSeconds,
      int dedupMillis,
      int healthMillis,
      PortLimits limits) {
    this(
        directory,
        mode,
        dirMode,
        group,
        hashSize,
        hashSeed,
        expireSeconds,
        dedupMillis,
        healthMillis,
        limits,
        false);
  }

  /**
   * A copy that accepts only client data sockets inside the directory (or mapped into it), for a
   * directory shared with other mount namespaces (the agent's device plugin); see {@link
   * ClientSocket}.
   */
  public NetnodeConfig confined() {
    return new NetnodeConfig(
        directory,
        mode,
        dirMode,
        group,
        hashSize,
        hashSeed,
        expireSeconds,
        dedupMillis,
        healthMillis,
        limits,
        true);
  }

  /**
   * A copy with duplicate suppression ({@code multi}) over a window of {@code ms} milliseconds (0 =
   * off).
   */
  public NetnodeConfig withDedup(int ms) {
    return new NetnodeConfig(
        directory,
        mode,
        dirMode,
        group,
        hashSize,
        hashSeed,
        expireSeconds,
        ms,
        healthMillis,
        limits,
        confineClients);
  }

  /**
   * A copy with link health ({@code bonding}): links silent for {@code ms} milliseconds are skipped
   * (0 = off).
   */
  public NetnodeConfig withHealth(int ms) {
    return new NetnodeConfig(
        directory,
        mode,
        dirMode,
        group,
        hashSize,
        hashSeed,
        expireSeconds,
        dedupMillis,
        ms,
        limits,
        confineClients);
  }

  /** A copy whose ports get {@code portLimits} (ingress policing and storm control). */
  public NetnodeConfig withLimits(PortLimits portLimits) {
    return new NetnodeConfig(
        directory,
        mode,
        dirMode,
        group,
        hashSize,
        hashSeed,
        expireSeconds,
        dedupMillis,
        healthMillis,
        portLimits,
        confineClients);
  }

  /** An in-process node (no rendezvous directory) with default table settings. */
  public static NetnodeConfig inProcess() {
    return new NetnodeConfig(
        Optional.empty(),
        DEFAULT_MODE,
        dirModeFor(DEFAULT_MODE),
        Optional.empty(),
        DEFAULT_HASHSIZE,
        0,
        DEFAULT_EXPIRE,
        0,
        0,
        PortLimits.DEFAULT);
  }

  /** A node serving {@code directory} with default permissions and table settings. */
  public static NetnodeConfig at(Path directory) {
    return new NetnodeConfig(
        Optional.of(directory),
        DEFAULT_MODE,
        dirModeFor(DEFAULT_MODE),
        Optional.empty(),
        DEFAULT_HASHSIZE,
        0,
        DEFAULT_EXPIRE,
        0,
        0,
        PortLimits.DEFAULT);
  }

  /**
   * {@code dir} with its parent replaced by the parent's real path (symlinks resolved) when the
   * parent exists.
   */
  private static Path realParent(Path dir) {
    Path parent = dir.getParent();
    if (parent == null || dir.getFileName() == null) return dir;
    try {
      return parent.toRealPath().resolve(dir.getFileName());
    } catch (java.io.IOException e) {
      return dir; // the open reports the missing parent
    }
  }

  /**
   * The derivation rule of §6.1: {@code 02000 | M | (M & 0444) >> 2 | (M & 0222) >> 1} (0666 →
   * 02777).
   */
  public static int dirModeFor(int mode) {
    return 02000 | mode | (mode & 0444) >> 2 | (mode & 0222) >> 1;
  }

  /**
   * Parses {@code
   * scheme://PATH[mode=…/dirmode=…/grp=…/hashsize=…/hashseed=…/expiretime=…/dedup[=MS]/health[=MS]/
   * stormpps=…/policepps=…/policebps=…/burstms=…]}. The mode comes from the VNL, else {@code
   * args.mode()}, else 0600, with x bits stripped; dirmode from the VNL, else derived. An empty
   * PATH is {@code /tmp/vdenode_<user>}; a relative PATH is resolved against the real path of its
   * parent.
   *
   * @throws io.kubevde.vdeplug.vnl.VnlException for unknown keys, bare words, or bad numbers
   */
  public static NetnodeConfig parse(Vnl vnl, OpenArgs args) {
    VnlOptions o = VnlOptions.bracket(vnl.text(), vnl.argument(), KEYS, null);
    int mode = o.octalValue("mode", args.mode().orElse(DEFAULT_MODE)) & 07666 & ~0111;
    int dirMode =
        o.has("dirmode") && !o.get("dirmode").orElse("").isEmpty()
            ? o.octalValue("dirmode", 0)
            : dirModeFor(mode);
    Optional<String> group = o.get("grp").filter(s -> !s.isEmpty()).or(args::group);
    int hashSize = o.intValue("hashsize", DEFAULT_HASHSIZE, 0, 1 << 24);
    long seed;
    String s = o.get("hashseed").orElse("");
    try {
      seed = s.isEmpty() ? 0 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw o.bad("hashseed", s, "not a decimal number");
    }
    int expire = o.intValue("expiretime", DEFAULT_EXPIRE, 0, Integer.MAX_VALUE);
    int dedup = o.has("dedup") ? o.intValue("dedup", DEFAULT_DEDUP_MS, 1, 60_000) : 0;
    int health = o.has("health") ? o.intValue("health", DEFAULT_HEALTH_MS, 40, 60_000) : 0;
    PortLimits limits =
        new PortLimits(
            rate(o, "policepps", 0),
            rate(o, "policebps", 0),
            rate(o, "stormpps", PortLimits.DEFAULT_FLOOD_PPS),
            o.intValue("burstms", PortLimits.DEFAULT_BURST_MS, 1, 60_000));
    String path = o.address();
    Path dir =
        path.isEmpty()
            ? Path.of(
                "/tmp/vdenode_"
                    + System.getProperty(
                        "user.name", "u" + io.kubevde.vdeplug.ffi.LibC.INSTANCE.geteuid()))
            : realParent(Path.of(path).toAbsolutePath().normalize());
    return new NetnodeConfig(
        Optional.of(dir), mode, dirMode, group, hashSize, seed, expire, dedup, health, limits);
  }

  /** A rate option (k/m/g suffixes as {@code rcvbuf}), 0..{@link PortLimits#MAX_RATE}. */
  private static long rate(VnlOptions o, String key, long dflt) {
    long v = o.sizeValue(key, dflt);
    if (v < 0 || v > PortLimits.MAX_RATE)
      throw o.bad(key, o.get(key).orElse(""), "out of range 0.." + PortLimits.MAX_RATE);
    return v;
  }
}
