package io.kubevde.vdeplug.vdeswitch;

import io.kubevde.vdeplug.netnode.DropReason;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.unix.FilePermissions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The vde-2 {@code vde_switch} management console (vde-protocols.md §9.3) on a unix stream socket
 * ({@code -M SOCK}), usable with Debian's {@code unixterm}/{@code vdeterm}/{@code unixcmd}: on
 * connect a banner and the prompt {@code "\nvde$ "}; one command per line; commands with output
 * send {@code 0000 DATA END WITH '.'}, the lines and a {@code .} line; then {@code 1000 Success} or
 * {@code 1NNN <strerror>} (errno NNN: unknown command 1038, bad argument 1022, missing port 1006,
 * existing 1017, busy 1098); {@code logout} answers {@code 9999 END OF SESSION} and closes; {@code
 * shutdown} stops the switch. Lines starting with {@code #} and empty lines are ignored.
 *
 * <p>Commands: help, showinfo, load, logout, shutdown, port/showinfo, port/setnumports,
 * port/sethub, port/setvlan, port/createauto, port/create, port/remove, port/allocatable,
 * port/setuser, port/setgroup, port/epclose, port/resetcounter, port/print, port/allprint,
 * vlan/create, vlan/remove, vlan/addport, vlan/delport, vlan/print, vlan/allprint, hash/showinfo,
 * hash/setsize, hash/setgcint, hash/setexpire, hash/setminper, hash/print, hash/find, hash/delete,
 * fstp/showinfo, fstp/setfstp, fstp/setedge, fstp/bonus, fstp/print ({@link FstpCommands}). Not
 * implemented (1038): the debug/*, plugin/* and ds/* menus (no loadable plugins).
 */
public final class SwitchConsole implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SwitchConsole.class);

  /**
   * The banner, as vde_switch 2.3.2 prints it (clients such as vdeterm expect the version line).
   */
  public static final String BANNER =
      "VDE switch V.2.3.2\n(C) Virtual Square Team (coord. R. Davoli) 2005,2006,2007 - GPLv2\n";

  private static final String PROMPT = "\nvde$ ";

  private record Command(String path, String syntax, String help) {}

  private static final List<Command> COMMANDS =
      List.of(
          new Command("help", "[arg]", "Help (limited to arg when specified)"),
          new Command("logout", "", "logout from this mgmt terminal"),
          new Command("shutdown", "", "shutdown of the switch"),
          new Command("showinfo", "", "show switch version and info"),
          new Command("load", "path", "load a configuration script"),
          new Command("hash", "============", "HASH TABLE MENU"),
          new Command("hash/showinfo", "", "show hash info"),
          new Command("hash/setsize", "N", "change hash size"),
          new Command("hash/setgcint", "N", "change garbage collector interval"),
          new Command("hash/setexpire", "N", "change hash entries expire time"),
          new Command("hash/setminper", "N", "minimum persistence time"),
          new Command("hash/print", "", "print the hash table"),
          new Command("hash/find", "MAC [VLAN]", "MAC lookup"),
          new Command("hash/delete", "MAC [VLAN]", "delete a MAC table entry (kubevde)"),
          new Command("fstp", "============", "FAST SPANNING TREE MENU"),
          new Command("fstp/showinfo", "", "show fstp info"),
          new Command("fstp/setfstp", "0/1", "Fast spanning tree protocol 1=ON 0=OFF"),
          new Command("fstp/setedge", "VLAN PORT 1/0", "Define an edge port for a vlan 1=Y 0=N"),
          new Command("fstp/bonus", "VLAN PORT COST", "set the port bonus for a vlan"),
          new Command("fstp/print", "[N]", "print fst data for the defined vlan"),
          new Command("port", "============", "PORT STATUS MENU"),
          new Command("port/showinfo", "", "show port info"),
          new Command("port/setnumports", "N", "set the number of ports"),
          new Command("port/sethub", "0/1", "1=HUB 0=switch"),
          new Command("port/setvlan", "N VLAN", "set port VLAN (untagged)"),
          new Command("port/createauto", "", "create a port with an automatically allocated id"),
          new Command("port/create", "N", "create the port N (inactive|notallocatable)"),
          new Command("port/remove", "N", "remove the port N"),
          new Command("port/allocatable", "N 0/1", "Is the port allocatable as unnamed? 1=Y 0=N"),
          new Command("port/setuser", "N user", "access control: set user"),
          new Command("port/setgroup", "N user", "access control: set group"),
          new Command("port/epclose", "N ID", "remove the endpoint port N/id ID"),
          new Command("port/resetcounter", "[N]", "reset the port (N) counters"),
          new Command("port/print", "[N]", "print the port/endpoint table"),
          new Command(
              "port/allprint", "[N]", "print the port/endpoint table (including inactive port)"),
          new Command("vlan", "============", "VLAN MANAGEMENT MENU"),
          new Command("vlan/create", "N", "create the VLAN with tag N"),
          new Command("vlan/remove", "N", "remove the VLAN with tag N"),
          new Command("vlan/addport", "N PORT", "add port to the vlan N (tagged)"),
          new Command("vlan/delport", "N PORT", "remove port from the vlan N (tagged)"),
          new Command("vlan/print", "[N]", "print the list of defined vlan"),
          new Command(
              "vlan/allprint", "[N]", "print the list of defined vlan (including inactive port)"));

  private final Netnode node;
  private final VlanSwitchPolicy policy;
  private final FstpCommands fstp;
  private final Path socketPath;
  private final ServerSocketChannel server;
  private final Runnable onShutdown;
  private final long started = System.nanoTime();
  private final Thread acceptor;
  private volatile boolean closed;
  private volatile int gcInterval = 2;

  /** Counter baselines per endpoint id, set by {@code port/resetcounter}: rxF, rxB, txF, txB. */
  private final Map<Integer, long[]> baselines = new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * A reply: optional output lines (sent inside a {@code 0000 DATA} block), optional raw text sent
   * as it is (the echo and replies of a {@code load}ed script), then the status errno (0 =
   * success).
   */
  private record Reply(List<String> lines, int errno, String raw) {
    Reply(List<String> lines, int errno) {
      this(lines, errno, null);
    }

    static Reply ok() {
      return new Reply(null, 0);
    }

    static Reply err(int errno) {
      return new Reply(null, errno);
    }

    static Reply data(List<String> lines) {
      return new Reply(lines, 0);
    }
  }

  private static final int EINVAL = 22;
  private static final int ENXIO = 6;

  /** Internal: ends the session after the reply. */
  private static final int LOGOUT = -1;

  private static final int SHUTDOWN = -2;

  /**
   * Serves the console on {@code socketPath} (created with {@code mode}, e.g. 0600).
   *
   * @param numPorts the port count reported and enforced by {@code port/create} (vde_switch default
   *     32)
   * @param onShutdown what {@code shutdown} runs (closing the switch), on a separate thread
   * @throws IOException when the socket cannot be created (a stale file at the path is replaced)
   */
  public SwitchConsole(
      Netnode node,
      VlanSwitchPolicy policy,
      Path socketPath,
      int mode,
      int numPorts,
      Runnable onShutdown)
      throws IOException {
    this.node = node;
    this.policy = policy;
    this.fstp = new FstpCommands(node, policy);
    this.socketPath = socketPath;
    policy.setNumPorts(numPorts);
    this.onShutdown = onShutdown;
    if (socketPath == null) { // headless: only run()/load, e.g. for an rc file without -M
      this.server = null;
      this.acceptor = null;
      return;
    }
    Files.deleteIfExists(socketPath);
    this.server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socketPath));
    FilePermissions.chmod(socketPath, mode);
    this.acceptor = Thread.ofPlatform().daemon().name("vde_switch-mgmt").start(this::acceptLoop);
  }

  /**
   * Runs a command script ({@code vde_switch -f RCFILE}, console {@code load}) on {@code sw}:
   * through its console when it has one (so the script's settings are the console's), otherwise
   * through a console without a socket.
   *
   * @return the script's echo and replies (see {@code load}) and the final status line ({@code 1000
   *     Success}, or the errno of opening the file)
   */
  public static String runScript(VdeSwitch sw, Path file) {
    SwitchConsole c = sw.console().orElse(null);
    try {
      if (c == null) {
        c = new SwitchConsole(sw.node(), sw.policy(), null, 0, sw.policy().numPorts(), sw::close);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // not reached: no socket is created
    }
    return c.run("load " + file);
  }

  /**
   * Whether console output (e.g. {@link #runScript}'s) holds a failure status line ({@code 1NNN}
   * with NNN other than 000).
   */
  public static boolean hasFailure(String output) {
    return output.lines().anyMatch(l -> l.matches("1\\d{3} .*") && !l.startsWith("1000 "));
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        SocketChannel ch = server.accept();
        Thread.ofPlatform().daemon().name("vde_switch-mgmt-session").start(() -> session(ch));
      } catch (IOException e) {
        if (!closed) LOG.warn("mgmt accept failed: " + e.getMessage());
        return;
      }
    }
  }

  private void session(SocketChannel ch) {
    try (ch) {
      OutputStream out = Channels.newOutputStream(ch);
      write(out, BANNER + PROMPT);
      // like vde-2's mgmt loop, every read is a command batch: newline-terminated lines, and a
      // final piece
      // without newline is a command too (Debian's vdeterm sends "showinfo" with no newline)
      java.nio.ByteBuffer rb = java.nio.ByteBuffer.allocate(4096);
      java.util.ArrayDeque<String> pending = new java.util.ArrayDeque<>();
      while (true) {
        if (pending.isEmpty()) {
          rb.clear();
          if (ch.read(rb) < 0) return;
          String chunk =
              new String(rb.array(), 0, rb.position(), StandardCharsets.US_ASCII).replace("\0", "");
          String[] parts = chunk.split("\n", -1);
          int n = chunk.endsWith("\n") ? parts.length - 1 : parts.length;
          for (int i = 0; i < n; i++) pending.add(parts[i]);
          continue;
        }
        String cmd = pending.poll().strip();
        if (cmd.isEmpty() || cmd.startsWith("#")) {
          write(out, PROMPT);
          continue;
        }
        Reply r = execute(cmd);
        StringBuilder sb = new StringBuilder();
        if (r.lines() != null) {
          sb.append("0000 DATA END WITH '.'\n");
          for (String l : r.lines()) sb.append(l).append('\n');
          sb.append(".\n");
        }
        if (r.raw() != null) sb.append(r.raw());
        if (r.errno() == LOGOUT || r.errno() == SHUTDOWN) {
          write(out, sb + "9999 END OF SESSION\n");
          if (r.errno() == SHUTDOWN) Thread.ofPlatform().daemon().start(onShutdown);
          return;
        }
        sb.append(
            r.errno() == 0
                ? "1000 Success\n"
                : String.format("1%03d %s\n", r.errno(), strerror(r.errno())));
        write(out, sb + PROMPT);
      }
    } catch (IOException e) {
      LOG.atDebug().log(() -> "mgmt session ended: " + e.getMessage());
    }
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String strerror(int errno) {
    return switch (errno) {
      case 2 -> "No such file or directory";
      case 6 -> "No such device or address";
      case 17 -> "File exists";
      case 22 -> "Invalid argument";
      case 38 -> "Function not implemented";
      case 98 -> "Address already in use";
      default -> io.kubevde.vdeplug.ffi.LibC.message(errno);
    };
  }

  /**
   * Runs one command line (also usable without a socket, e.g. from an rc file) and returns the text
   * a client would see after it, without the prompt.
   */
  public String run(String line) {
    Reply r = execute(line.strip());
    StringBuilder sb = new StringBuilder();
    if (r.lines() != null) r.lines().forEach(l -> sb.append(l).append('\n'));
    if (r.raw() != null) sb.append(r.raw());
    sb.append(
        r.errno() <= 0
            ? "1000 Success"
            : String.format("1%03d %s", r.errno(), strerror(r.errno())));
    return sb.toString();
  }

  private Reply execute(String line) {
    return execute(line, 0);
  }

  private Reply execute(String line, int depth) {
    Command match = null;
    for (Command c : COMMANDS) {
      if ((line.equals(c.path()) || line.startsWith(c.path() + " "))
          && !c.syntax().startsWith("===")) {
        if (match == null || c.path().length() > match.path().length()) match = c;
      }
    }
    if (match == null) return Reply.err(38);
    String arg = line.substring(match.path().length()).strip();
    String[] a =
        line.substring(match.path().length()).strip().isEmpty()
            ? new String[0]
            : line.substring(match.path().length()).strip().split("\\s+");
    try {
      return switch (match.path()) {
        case "help" -> help(a);
        case "logout" -> Reply.err(LOGOUT);
        case "shutdown" -> Reply.err(SHUTDOWN);
        case "showinfo" ->
            Reply.data(
                List.of(
                    BANNER.split("\n")[0],
                    BANNER.split("\n")[1],
                    "",
                    "pid "
                        + ProcessHandle.current().pid()
                        + " uptime "
                        + (System.nanoTime() - started) / 1_000_000_000L,
                    "mgmt " + socketPath + " perm 0600",
                    "kubevde java switch"));
        case "hash/showinfo" ->
            Reply.data(
                List.of(
                    "Hash size " + policy.hashSize(),
                    "GC interval " + gcInterval + " secs",
                    "GC expire " + policy.expireSeconds() + " secs",
                    "Min persistence " + policy.minPersistence() + " secs"));
        case "hash/setsize" -> {
          int n = num(a, 0);
          if (n < 1 || n > 1 << 24) yield Reply.err(22);
          policy.setHashSize(n);
          yield Reply.ok();
        }
        case "hash/setgcint" -> {
          int n = num(a, 0);
          if (n < 1) yield Reply.err(22);
          gcInterval = n; // entries expire lazily on lookup: the interval is only reported
          yield Reply.ok();
        }
        case "hash/setexpire" -> {
          int n = num(a, 0);
          if (n < 1) yield Reply.err(22);
          policy.setExpireSeconds(n);
          yield Reply.ok();
        }
        case "hash/setminper" -> { // vde-2: atoi, any value (negative: a MAC always moves)
          policy.setMinPersistence(CArgs.atoi(arg));
          yield Reply.ok();
        }
        case "load" -> load(arg, depth);
        case "hash/print" -> Reply.data(hashLines(null, -1));
        case "hash/find" -> hashFind(a);
        case "hash/delete" -> {
          if (a.length < 1) yield Reply.err(22);
          long mac = Long.parseLong(a[0].replace(":", ""), 16);
          yield policy.forgetMac(mac, a.length > 1 ? Integer.parseInt(a[1]) : 0)
              ? Reply.ok()
              : Reply.err(2);
        }
        case "port/showinfo" ->
            Reply.data(
                List.of("Numports=" + policy.numPorts(), "HUB=" + policy.hub(), "counters=true"));
        case "port/setnumports" -> {
          int n = CArgs.atoi(arg);
          if (n < 1) yield Reply.err(EINVAL);
          adoptActivePorts(); // vde_switch 2.3.2 keeps every existing port: EADDRINUSE
          for (int p : policy.configuredPorts()) if (p >= n) yield Reply.err(98);
          policy.setNumPorts(n);
          yield Reply.ok();
        }
        case "port/createauto" -> {
          adoptActivePorts();
          for (int p = 1; p < policy.numPorts(); p++) {
            if (!policy.hasPort(p)) {
              policy.reservePort(p); // vde-2: inactive and not allocatable
              yield Reply.data(List.of(String.format("Port %04d", p)));
            }
          }
          yield Reply.err(28); // ENOSPC
        }
        // port/allocatable, setuser, setgroup, epclose, resetcounter: vde-2's port.c, the same
        // argument parsing (sscanf "%i", atoi) and the same errno for every outcome
        case "port/allocatable" -> {
          int[] v = CArgs.scanInts(arg, 2);
          if (v == null || !inRange(v[0])) yield Reply.err(EINVAL);
          adoptActivePorts();
          if (!policy.hasPort(v[0])) yield Reply.err(ENXIO);
          policy.setAllocatable(v[0], v[1] != 0);
          yield Reply.ok();
        }
        case "port/setuser", "port/setgroup" -> {
          int[] v = CArgs.scanInts(arg, 1);
          String who = CArgs.afterFirstWord(arg);
          if (v == null || who.isEmpty() || !inRange(v[0])) yield Reply.err(EINVAL);
          adoptActivePorts();
          if (!policy.hasPort(v[0])) yield Reply.err(ENXIO);
          boolean user = match.path().equals("port/setuser");
          java.util.OptionalInt id = accessId(who, user);
          if (id.isEmpty()) yield Reply.err(EINVAL);
          if (user) policy.setUser(v[0], id.getAsInt());
          else policy.setGroup(v[0], id.getAsInt());
          yield Reply.ok();
        }
        case "port/epclose" -> {
          int[] v = CArgs.scanInts(arg, 2);
          if (v == null || !inRange(v[0])) yield Reply.err(EINVAL);
          adoptActivePorts();
          if (!policy.hasPort(v[0])) yield Reply.err(ENXIO);
          yield node.removeEndpoint(v[0], v[1]) ? Reply.ok() : Reply.err(ENXIO);
        }
        case "port/resetcounter" -> {
          int only = arg.isEmpty() ? -1 : CArgs.atoi(arg);
          if (!arg.isEmpty() && !inRange(only)) yield Reply.err(EINVAL);
          for (Netnode.PortInfo e : node.ports()) {
            if (only >= 0 && e.id() != only) continue;
            baselines.put(
                e.endpoint(),
                new long[] {
                  e.stats().rxFrames(),
                  e.stats().rxBytes(),
                  e.stats().txFrames(),
                  e.stats().txBytes()
                });
          }
          yield Reply.ok(); // vde-2 zeroes an in-range port whether it exists or not
        }
        case "port/sethub" -> {
          policy.setHub(num(a, 0) != 0);
          yield Reply.ok();
        }
        case "port/setvlan" -> {
          adoptActivePorts();
          int p = port(a, 0);
          int v = num(a, 1);
          if (p < 0 || v < 0 || v > 4095) yield Reply.err(22);
          if (!policy.hasPort(p)) yield Reply.err(6);
          if (v != VlanSwitchPolicy.NO_VLAN && !policy.vlanExists(v)) yield Reply.err(6);
          policy.setUntagged(p, v);
          yield Reply.ok();
        }
        case "port/create" -> {
          int p = port(a, 0);
          if (p < 0) yield Reply.err(22);
          if (p == 0) { // vde-2: alloc_port(0) picks the lowest free port, like port/createauto
            adoptActivePorts();
            for (int q = 1; q < policy.numPorts(); q++) if (policy.reservePort(q)) yield Reply.ok();
            yield Reply.err(28);
          }
          yield policy.reservePort(p) ? Reply.ok() : Reply.err(17);
        }
        case "port/remove" -> {
          int p = port(a, 0);
          if (p < 1) yield Reply.err(22);
          if (!policy.hasPort(p)) yield Reply.err(6);
          if (active(p) != null) yield Reply.err(98);
          policy.removePortConfig(p);
          yield Reply.ok();
        }
        case "fstp/showinfo" -> fstp(fstp.showinfo());
        case "fstp/setfstp" -> fstp(fstp.setfstp(a));
        case "fstp/setedge" -> fstp(fstp.setedge(a));
        case "fstp/bonus" -> fstp(fstp.bonus(a));
        case "fstp/print" -> fstp(fstp.print(a));
        case "port/print" -> portPrint(a, false);
        case "port/allprint" -> portPrint(a, true);
        case "vlan/create" -> {
          int v = num(a, 0);
          if (v < 1 || v > 4093) yield Reply.err(22);
          yield policy.createVlan(v) ? Reply.ok() : Reply.err(17);
        }
        case "vlan/remove" -> {
          int v = num(a, 0);
          if (v < 1 || v > 4093) yield Reply.err(22);
          if (!policy.vlanExists(v)) yield Reply.err(ENXIO);
          if (policy.vlanInUse(v)) yield Reply.err(98);
          policy.removeVlan(v);
          yield Reply.ok();
        }
        case "vlan/addport", "vlan/delport" -> {
          // vde-2: sscanf "%i %i", VLAN 0..4093, idempotent; delport of the port's untagged VLAN
          // is EADDRINUSE
          adoptActivePorts();
          int[] vp = CArgs.scanInts(arg, 2);
          if (vp == null || vp[0] < 0 || vp[0] > 4093 || !inRange(vp[1])) yield Reply.err(EINVAL);
          int v = vp[0];
          int p = vp[1];
          if (!policy.vlanExists(v) || !policy.hasPort(p)) yield Reply.err(ENXIO);
          boolean add = match.path().equals("vlan/addport");
          if (!add && policy.untaggedVlan(p) == v) yield Reply.err(98);
          policy.setTagged(p, v, add);
          yield Reply.ok();
        }
        case "vlan/print" -> vlanPrint(a, false);
        case "vlan/allprint" -> vlanPrint(a, true);
        default -> Reply.err(38);
      };
    } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
      return Reply.err(22);
    }
  }

  private static Reply fstp(FstpCommands.Result r) {
    return r.lines() != null ? Reply.data(r.lines()) : Reply.err(r.errno());
  }

  private static int num(String[] a, int i) {
    return Integer.parseInt(a[i]);
  }

  private int port(String[] a, int i) {
    int p = Integer.parseInt(a[i]);
    return p >= policy.numPorts() ? -1 : p;
  }

  private Reply help(String[] a) {
    List<String> out = new ArrayList<>();
    out.add("COMMAND PATH       SYNTAX          HELP");
    out.add("------------       --------------  ------------");
    for (Command c : COMMANDS) {
      if (a.length > 0 && !c.path().startsWith(a[0])) continue;
      out.add(String.format("%-18s %-15s %s", c.path(), c.syntax(), c.help()));
    }
    return Reply.data(out);
  }

  private List<Netnode.PortInfo> endpoints(int port) {
    List<Netnode.PortInfo> out = new ArrayList<>();
    for (Netnode.PortInfo p : node.ports()) if (p.id() == port) out.add(p);
    return out;
  }

  private Netnode.PortInfo active(int port) {
    for (Netnode.PortInfo p : node.ports()) if (p.id() == port) return p;
    return null;
  }

  /**
   * Active ports get a configuration (untagged VLAN 0) on first sight, as vde_switch creates them
   * on attach.
   */
  private void adoptActivePorts() {
    for (Netnode.PortInfo p : node.ports()) policy.createPort(p.id());
  }

  private Reply portPrint(String[] a, boolean all) {
    adoptActivePorts();
    List<String> out = new ArrayList<>();
    int[] ports = policy.configuredPorts();
    if (a.length > 0) {
      int n = port(a, 0);
      if (n < 0) return new Reply(out, 22);
      if (!policy.hasPort(n) || (!all && active(n) == null)) return new Reply(out, 6);
      ports = new int[] {n};
    }
    for (int n : ports) {
      if (n == 0) continue;
      List<Netnode.PortInfo> eps = endpoints(n);
      if (eps.isEmpty() && !all) continue;
      out.add(
          String.format(
              "Port %04d untagged_vlan=%04d %s - Unnamed %s",
              n,
              policy.untaggedVlan(n),
              eps.isEmpty() ? "INACTIVE" : "ACTIVE",
              policy.allocatable(n) ? "Allocatable" : "NotAllocatable"));
      int cur = eps.isEmpty() ? -1 : policy.currentUser(n);
      out.add(
          String.format(
              " Current User: %s Access Control: (User: %s - Group: %s)",
              cur < 0 ? "NONE" : Accounts.userName(cur),
              policy.user(n) < 0 ? "NONE" : Accounts.userName(policy.user(n)),
              policy.group(n) < 0 ? "NONE" : Accounts.groupName(policy.group(n))));
      long rxF = 0, rxB = 0, txF = 0, txB = 0;
      for (Netnode.PortInfo e : eps) {
        long[] b = baselines.getOrDefault(e.endpoint(), ZERO);
        rxF += e.stats().rxFrames() - b[0];
        rxB += e.stats().rxBytes() - b[1];
        txF += e.stats().txFrames() - b[2];
        txB += e.stats().txBytes() - b[3];
      }
      out.add(String.format(" IN:  pkts %10d          bytes %20d", rxF, rxB));
      out.add(String.format(" OUT: pkts %10d          bytes %20d", txF, txB));
      long[] drops = new long[DropReason.values().length];
      for (Netnode.PortInfo e : eps)
        for (DropReason r : DropReason.values()) drops[r.ordinal()] += e.policer().dropped(r);
      if (java.util.Arrays.stream(drops).sum() > 0) { // kubevde: per-port limits (PortLimits)
        StringBuilder d = new StringBuilder(" DROP:");
        for (DropReason r : DropReason.values())
          d.append(' ').append(r.label()).append(' ').append(drops[r.ordinal()]);
        out.add(d.toString());
      }
      for (Netnode.PortInfo e : eps) {
        out.add(
            String.format(
                "  -- endpoint ID %04d module %-4s prog   : %s",
                e.endpoint(), e.kind(), e.description()));
      }
    }
    return Reply.data(out);
  }

  private static final long[] ZERO = new long[4];

  /**
   * {@code load PATH} (and {@code -f RCFILE}), as vde-2's {@code runscript}: each line of the
   * script is echoed as {@code vde[PATH]: LINE} and run as if typed, its full reply (data block and
   * status line) following the echo; comment and blank lines give no reply, an empty line answers
   * 1038 as in vde-2; the load itself answers {@code 1000 Success} whatever the commands answered,
   * or the errno of opening the file (1002 for a missing path). {@code shutdown} in a script stops
   * the switch, {@code logout} does nothing. Nested scripts stop at depth {@value #MAX_LOAD_DEPTH}
   * (EMFILE, where vde-2 runs out of file descriptors).
   */
  private Reply load(String path, int depth) {
    if (depth >= MAX_LOAD_DEPTH) return Reply.err(24);
    List<String> lines;
    try {
      if (path.isEmpty()) return Reply.err(2);
      // vde-2 opens a directory, reads nothing from it and succeeds
      lines =
          Files.isDirectory(Path.of(path))
              ? List.of()
              : Files.readAllLines(Path.of(path), StandardCharsets.ISO_8859_1);
    } catch (java.nio.file.NoSuchFileException | java.nio.file.InvalidPathException e) {
      return Reply.err(2);
    } catch (java.nio.file.AccessDeniedException e) {
      return Reply.err(13);
    } catch (IOException e) {
      return Reply.err(5);
    }
    StringBuilder out = new StringBuilder();
    for (String line : lines) {
      out.append("vde[").append(path).append("]: ").append(line).append('\n');
      if (line.isEmpty()) { // vde-2 keeps the lone newline, which matches no command
        out.append('\n').append(statusLine(38)).append('\n');
        continue;
      }
      String cmd = line.strip();
      if (cmd.isEmpty() || cmd.startsWith("#")) continue;
      Reply r = execute(cmd, depth + 1);
      if (r.errno() == SHUTDOWN) Thread.ofPlatform().daemon().start(onShutdown);
      if (r.errno() < 0) continue;
      if (r.lines() != null) {
        out.append("0000 DATA END WITH '.'\n");
        r.lines().forEach(l -> out.append(l).append('\n'));
        out.append(".\n");
      }
      if (r.raw() != null) out.append(r.raw());
      out.append(statusLine(r.errno())).append('\n');
    }
    return new Reply(null, 0, out.toString());
  }

  private static final int MAX_LOAD_DEPTH = 16;

  private static String statusLine(int errno) {
    return errno == 0 ? "1000 Success" : String.format("1%03d %s", errno, strerror(errno));
  }

  /** Whether {@code n} is a port number of this switch (vde-2: 0 &le; n &lt; numports). */
  private boolean inRange(int n) {
    return n >= 0 && n < policy.numPorts();
  }

  /**
   * vde-2's reading of {@code port/setuser}/{@code port/setgroup}'s name: an account name, else a
   * number when it starts with a digit ({@code atoi}), else {@code NONE} or {@code ANY} (no
   * restriction, -1); empty when none applies (EINVAL).
   */
  private static java.util.OptionalInt accessId(String who, boolean user) {
    if (!Character.isDigit(who.charAt(0))) {
      java.util.OptionalInt named = user ? Accounts.uid(who) : Accounts.gid(who);
      if (named.isPresent()) return named;
    }
    if (who.charAt(0) >= '0' && who.charAt(0) <= '9') {
      return java.util.OptionalInt.of(CArgs.atoi(who));
    }
    if (who.equals("NONE") || who.equals("ANY")) return java.util.OptionalInt.of(-1);
    return java.util.OptionalInt.empty();
  }

  private Reply vlanPrint(String[] a, boolean all) {
    adoptActivePorts();
    List<String> out = new ArrayList<>();
    int[] vs = policy.vlans();
    if (a.length > 0) { // vde-2: atoi, 0..4094, ENXIO for a VLAN that does not exist
      int v = CArgs.atoi(a[0]);
      if (v < 0 || v > 4093) return new Reply(out, EINVAL);
      if (!policy.vlanExists(v)) return new Reply(out, ENXIO);
      vs = new int[] {v};
    }
    for (int v : vs) {
      out.add(String.format("VLAN %04d", v));
      for (int n : policy.configuredPorts()) {
        if (n == 0) continue;
        boolean untagged = policy.untaggedVlan(n) == v;
        boolean tagged = policy.isTagged(n, v);
        if (!untagged && !tagged) continue;
        boolean isActive = active(n) != null;
        if (!isActive && !all) continue;
        out.add(
            String.format(
                " -- Port %04d tagged=%d active=%d status=%s",
                n, tagged ? 1 : 0, isActive ? 1 : 0, isActive ? "Forwarding" : "Learning"));
      }
    }
    return Reply.data(out);
  }

  private List<String> hashLines(Long onlyMac, int onlyVlan) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<Long, Integer> e : policy.macEntries().entrySet()) {
      long mac = e.getKey() & 0xFFFF_FFFF_FFFFL;
      int vlan = (int) (e.getKey() >>> 48);
      if (onlyMac != null && (mac != onlyMac || (onlyVlan >= 0 && vlan != onlyVlan))) continue;
      out.add(
          String.format(
              "Hash: %04d Addr: %s VLAN %04d to port: %03d",
              Math.floorMod(e.getKey().hashCode(), policy.hashSize()),
              macText(mac),
              vlan,
              e.getValue()));
    }
    return out;
  }

  private Reply hashFind(String[] a) {
    if (a.length < 1) return Reply.err(22);
    long mac = Long.parseLong(a[0].replace(":", ""), 16);
    int vlan = a.length > 1 ? Integer.parseInt(a[1]) : 0;
    List<String> lines = hashLines(mac, vlan);
    return lines.isEmpty() ? new Reply(lines, 19) : Reply.data(lines); // ENODEV, as vde-2
  }

  private static String macText(long mac) {
    StringBuilder sb = new StringBuilder();
    for (int i = 5; i >= 0; i--) {
      sb.append(String.format("%02x", (mac >>> (8 * i)) & 0xff));
      if (i > 0) sb.append(':');
    }
    return sb.toString();
  }

  /** The console socket path. */
  public Path socketPath() {
    return socketPath;
  }

  /** Stops accepting and removes the socket file. */
  @Override
  public void close() throws IOException {
    closed = true;
    if (server == null) return;
    server.close();
    Files.deleteIfExists(socketPath);
  }
}
