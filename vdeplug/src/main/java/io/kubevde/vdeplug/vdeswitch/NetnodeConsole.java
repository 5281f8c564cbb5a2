package io.kubevde.vdeplug.vdeswitch;

import io.kubevde.vdeplug.netnode.DropReason;
import io.kubevde.vdeplug.netnode.Netnode;
import io.kubevde.vdeplug.netnode.NetnodeKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A read-only vde-2 management console (vde-protocols.md §9.3) for a netnode whose configuration
 * belongs to someone else (the kubevde agent's per-network switches, configured by the operator):
 * the same session protocol and output formats as {@link SwitchConsole} (banner, prompt {@code
 * "\nvde$ "}, {@code 0000 DATA END WITH '.'} … {@code .}, then {@code 1000 Success} or {@code 1NNN
 * <strerror>}, {@code logout} → {@code 9999 END OF SESSION}), so {@code unixterm}-style clients and
 * scripts that parse vde_switch output work unchanged.
 *
 * <p>Commands: help, showinfo, logout, port/showinfo, port/print [N], port/allprint [N],
 * hash/showinfo, hash/print, hash/find MAC [VLAN]. The vde_switch commands that change a switch
 * (shutdown, port/create, vlan/addport, hash/setsize, …) answer {@code 1001 Operation not
 * permitted}; anything else answers vde-2's {@code 1038 Function not implemented}. Lines are at
 * most {@link #MAX_LINE} bytes (vde-2: 128); a longer line is answered {@code 1022 Invalid
 * argument}.
 */
public final class NetnodeConsole {
  /** Longest command line read (bytes); vde_switch reads 128. */
  public static final int MAX_LINE = 1024;

  private static final String PROMPT = "\nvde$ ";

  private record Command(String path, String syntax, String help) {}

  private static final List<Command> COMMANDS =
      List.of(
          new Command("help", "[arg]", "Help (limited to arg when specified)"),
          new Command("logout", "", "logout from this mgmt terminal"),
          new Command("showinfo", "", "show switch version and info"),
          new Command("hash", "============", "HASH TABLE MENU"),
          new Command("hash/showinfo", "", "show hash info"),
          new Command("hash/print", "", "print the hash table"),
          new Command("hash/find", "MAC [VLAN]", "MAC lookup"),
          new Command("port", "============", "PORT STATUS MENU"),
          new Command("port/showinfo", "", "show port info"),
          new Command("port/print", "[N]", "print the port/endpoint table"),
          new Command(
              "port/allprint", "[N]", "print the port/endpoint table (including inactive port)"));

  /** vde_switch commands that would change the switch: refused with EPERM. */
  private static final Set<String> WRITES =
      Set.of(
          "shutdown",
          "load",
          "hash/setsize",
          "hash/setgcint",
          "hash/setexpire",
          "hash/setminper",
          "hash/delete",
          "port/setnumports",
          "port/sethub",
          "port/setvlan",
          "port/createauto",
          "port/create",
          "port/remove",
          "port/allocatable",
          "port/setuser",
          "port/setgroup",
          "port/epclose",
          "port/resetcounter",
          "vlan/create",
          "vlan/remove",
          "vlan/addport",
          "vlan/delport",
          "fstp/setfstp",
          "fstp/setedge",
          "fstp/bonus");

  private static final int EPERM = 1;
  private static final int ENOENT = 2;
  private static final int ENXIO = 6;
  private static final int EINVAL = 22;
  private static final int ENOSYS = 38;
  private static final int LOGOUT = -1;

  private final Netnode node;
  private final String name;
  private final long started = System.nanoTime();

  private record Reply(List<String> lines, int errno) {}

  /**
   * @param node the switch shown
   * @param name what {@code showinfo} calls it (e.g. {@code demo/blue})
   */
  public NetnodeConsole(Netnode node, String name) {
    this.node = node;
    this.name = name;
  }

  /**
   * Runs one session: writes the banner and prompt, then answers each line of {@code in} until
   * {@code logout} or the end of {@code in} (a last line without newline is a command too, as in
   * vde-2).
   *
   * @throws IOException when {@code out} cannot be written or {@code in} read
   */
  public void session(InputStream in, OutputStream out) throws IOException {
    write(out, SwitchConsole.BANNER + PROMPT);
    while (true) {
      String line = readLine(in);
      if (line == null) return;
      String cmd = line.strip();
      if (cmd.isEmpty() || cmd.startsWith("#")) {
        write(out, PROMPT);
        continue;
      }
      Reply r = line.length() > MAX_LINE ? new Reply(null, EINVAL) : execute(cmd);
      StringBuilder sb = new StringBuilder();
      if (r.lines() != null) {
        sb.append("0000 DATA END WITH '.'\n");
        for (String l : r.lines()) sb.append(l).append('\n');
        sb.append(".\n");
      }
      if (r.errno() == LOGOUT) {
        write(out, sb + "9999 END OF SESSION\n");
        return;
      }
      sb.append(status(r.errno())).append('\n');
      write(out, sb + PROMPT);
    }
  }

  /**
   * Runs one command line and returns what a client sees after it, without the prompt: the output
   * lines, then the status line.
   */
  public String run(String line) {
    Reply r = execute(line.strip());
    StringBuilder sb = new StringBuilder();
    if (r.lines() != null) r.lines().forEach(l -> sb.append(l).append('\n'));
    sb.append(r.errno() == LOGOUT ? "9999 END OF SESSION" : status(r.errno()));
    return sb.toString();
  }

  /** A line of at most {@link #MAX_LINE} bytes kept (the rest is read and dropped); null at EOF. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    boolean tooLong = false;
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      if (b.size() <= MAX_LINE) b.write(c);
      else tooLong = true;
    }
    if (c < 0 && b.size() == 0) return null;
    String s = b.toString(StandardCharsets.US_ASCII).replace("\0", "").replace("\r", "");
    return tooLong ? s + "\0" : s; // length > MAX_LINE marks the line as refused
  }

  private static String status(int errno) {
    if (errno == 0) return "1000 Success";
    String text =
        switch (errno) {
          case EPERM -> "Operation not permitted";
          case ENOENT -> "No such file or directory";
          case ENXIO -> "No such device or address";
          case EINVAL -> "Invalid argument";
          case ENOSYS -> "Function not implemented";
          default -> "Error " + errno;
        };
    return String.format("1%03d %s", errno, text);
  }

  private static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private Reply execute(String line) {
    String path = line.split("\\s+", 2)[0];
    String[] a =
        line.length() > path.length() ? line.substring(path.length()).strip().split("\\s+") : null;
    if (a == null || (a.length == 1 && a[0].isEmpty())) a = new String[0];
    if (WRITES.contains(path)) return new Reply(null, EPERM);
    Command match = null;
    for (Command c : COMMANDS) {
      if (c.path().equals(path) && !c.syntax().startsWith("===")) match = c;
    }
    if (match == null) return new Reply(null, ENOSYS);
    try {
      return switch (match.path()) {
        case "help" -> help(a);
        case "logout" -> new Reply(null, LOGOUT);
        case "showinfo" ->
            new Reply(
                List.of(
                    SwitchConsole.BANNER.split("\n")[0],
                    SwitchConsole.BANNER.split("\n")[1],
                    "",
                    "kubevde " + node.kind().name().toLowerCase(java.util.Locale.ROOT) + " " + name,
                    "uptime " + (System.nanoTime() - started) / 1_000_000_000L,
                    "read-only console (the switch is configured by the kubevde operator)"),
                0);
        case "port/showinfo" ->
            new Reply(
                List.of(
                    "Numports=" + node.ports().size(),
                    "HUB=" + (node.kind() == NetnodeKind.HUB),
                    "counters=true"),
                0);
        case "port/print", "port/allprint" -> portPrint(a);
        case "hash/showinfo" ->
            new Reply(List.of("Hash entries " + node.macTableSize(), "counters=true"), 0);
        case "hash/print" -> new Reply(hashLines(null, -1), 0);
        case "hash/find" -> {
          if (a.length < 1) yield new Reply(null, EINVAL);
          long mac = parseMac(a[0]);
          List<String> lines = hashLines(mac, a.length > 1 ? Integer.parseInt(a[1]) : 0);
          yield new Reply(lines, lines.isEmpty() ? ENOENT : 0);
        }
        default -> new Reply(null, ENOSYS);
      };
    } catch (NumberFormatException e) {
      return new Reply(null, EINVAL);
    }
  }

  private static long parseMac(String s) {
    if (!s.matches("([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}")) throw new NumberFormatException(s);
    return Long.parseLong(s.replace(":", ""), 16);
  }

  private Reply help(String[] a) {
    List<String> out = new ArrayList<>();
    out.add("COMMAND PATH       SYNTAX          HELP");
    out.add("------------       --------------  ------------");
    for (Command c : COMMANDS) {
      if (a.length > 0 && !c.path().startsWith(a[0])) continue;
      out.add(String.format("%-18s %-15s %s", c.path(), c.syntax(), c.help()));
    }
    return new Reply(out, 0);
  }

  /** As {@link SwitchConsole}'s {@code port/print}: one block per port, its endpoints last. */
  private Reply portPrint(String[] a) {
    List<Netnode.PortInfo> all = node.ports();
    java.util.TreeMap<Integer, List<Netnode.PortInfo>> byPort = new java.util.TreeMap<>();
    for (Netnode.PortInfo p : all) byPort.computeIfAbsent(p.id(), k -> new ArrayList<>()).add(p);
    if (a.length > 0) {
      int n = Integer.parseInt(a[0]);
      if (n < 0) return new Reply(List.of(), EINVAL);
      if (!byPort.containsKey(n)) return new Reply(List.of(), ENXIO);
      byPort.keySet().retainAll(Set.of(n));
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<Integer, List<Netnode.PortInfo>> e : byPort.entrySet()) {
      List<Netnode.PortInfo> eps = e.getValue();
      out.add(
          String.format("Port %04d untagged_vlan=0000 ACTIVE - Unnamed Allocatable", e.getKey()));
      int uid = eps.getFirst().identity().uid();
      out.add(
          String.format(
              " Current User: %s Access Control: (User: NONE - Group: NONE)",
              uid < 0 ? "NONE" : Accounts.userName(uid)));
      long rxF = 0, rxB = 0, txF = 0, txB = 0;
      long[] drops = new long[DropReason.values().length];
      for (Netnode.PortInfo p : eps) {
        rxF += p.stats().rxFrames();
        rxB += p.stats().rxBytes();
        txF += p.stats().txFrames();
        txB += p.stats().txBytes();
        for (DropReason r : DropReason.values()) drops[r.ordinal()] += p.policer().dropped(r);
      }
      out.add(String.format(" IN:  pkts %10d          bytes %20d", rxF, rxB));
      out.add(String.format(" OUT: pkts %10d          bytes %20d", txF, txB));
      if (java.util.Arrays.stream(drops).sum() > 0) {
        StringBuilder d = new StringBuilder(" DROP:");
        for (DropReason r : DropReason.values())
          d.append(' ').append(r.label()).append(' ').append(drops[r.ordinal()]);
        out.add(d.toString());
      }
      for (Netnode.PortInfo p : eps) {
        out.add(
            String.format(
                "  -- endpoint ID %04d module %-4s prog   : %s",
                p.endpoint(), p.kind(), printable(p.description())));
      }
    }
    return new Reply(out, 0);
  }

  private List<String> hashLines(Long onlyMac, int onlyVlan) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<Long, Integer> e : node.macEntries().entrySet()) {
      long mac = e.getKey() & 0xFFFF_FFFF_FFFFL;
      int vlan = (int) (e.getKey() >>> 48);
      if (onlyMac != null && (mac != onlyMac || (onlyVlan >= 0 && vlan != onlyVlan))) continue;
      out.add(
          String.format(
              "Hash: %04d Addr: %s VLAN %04d to port: %03d",
              out.size(), macText(mac), vlan, e.getValue()));
    }
    return out;
  }

  private static String macText(long mac) {
    StringBuilder sb = new StringBuilder();
    for (int i = 5; i >= 0; i--) {
      sb.append(String.format("%02x", (mac >>> (8 * i)) & 0xff));
      if (i > 0) sb.append(':');
    }
    return sb.toString();
  }

  /** A client-chosen description, without control characters (it must not forge protocol lines). */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) b.append(c < 0x20 || c == 0x7f ? '?' : c);
    return b.toString();
  }
}
