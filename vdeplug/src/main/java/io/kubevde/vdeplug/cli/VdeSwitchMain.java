package io.kubevde.vdeplug.cli;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.netnode.LoopProtectionConfig;
import io.kubevde.vdeplug.netnode.PortLimits;
import io.kubevde.vdeplug.vdeswitch.SwitchConsole;
import io.kubevde.vdeplug.vdeswitch.SwitchSettings;
import io.kubevde.vdeplug.vdeswitch.VdeSwitch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code vde_switch} (vde-protocols.md §9.1): {@code -s DIR} (or DIR as the only positional
 * argument), {@code -M MGMT}, {@code -x} (hub), {@code -t TAP} (repeatable; needs the {@code
 * tap://} plugin), {@code -m MODE}, {@code --dirmode MODE}, {@code -g GROUP}, {@code --mgmtmode},
 * {@code --mgmtgroup}, {@code -n N} (ports), {@code --hashsize N}, {@code -f RCFILE} (console
 * commands run at start), {@code -p PIDFILE}, {@code -d} (detach: the same command re-executed in a
 * new session, see {@link Daemon}; the parent returns once the switch runs). {@code --nostdin} is
 * accepted (this switch never reads stdin, so it does not die on stdin EOF as 2.3.2 does). Long
 * options also work with one dash ({@code -sock}, {@code -hub}, {@code -mgmt}, {@code -mod}, ...).
 * Runs until the console's {@code shutdown} or SIGTERM. kubevde additions: {@code --storm-pps},
 * {@code --police-pps}, {@code --police-bps}, {@code --burst-ms} (per-port storm control and
 * ingress policing, {@link PortLimits}). {@code -F/--fstp} starts the spanning tree ({@link
 * io.kubevde.vdeplug.netnode.LoopProtection}; ignored with {@code -x}, as in vde-2), {@code
 * --macaddr} and {@code --priority} set its bridge id. Exit codes: 0 clean stop, 1 start failure, 2
 * usage.
 */
@Command(
    name = "vde_switch",
    mixinStandardHelpOptions = true,
    description = "A vde-2 compatible switch (Java).")
public final class VdeSwitchMain implements Callable<Integer> {
  static {
    CliLogging.configure(); // before any logger exists
  }

  @Option(
      names = {"-s", "--sock", "--vdesock", "--unix", "-sock", "-vdesock", "-unix"},
      paramLabel = "DIR",
      description = "ctl directory (default /var/run/vde.ctl as root, else /tmp/vde.ctl)")
  Path sock;

  @Parameters(arity = "0..1", paramLabel = "DIR", description = "ctl directory (same as -s)")
  Path positionalSock;

  @Option(
      names = {"-M", "--mgmt", "-mgmt"},
      paramLabel = "SOCK",
      description = "management console socket")
  Path mgmt;

  @Option(
      names = {"--mgmtmode", "-mgmtmode"},
      paramLabel = "MODE",
      description = "octal permissions of the console socket (default 0600)")
  String mgmtMode;

  @Option(
      names = {"--mgmtgroup", "-mgmtgroup"},
      paramLabel = "GROUP",
      description = "group owning the console socket")
  String mgmtGroup;

  @Option(
      names = {"-m", "--mode", "--mod", "-mode", "-mod"},
      paramLabel = "MODE",
      description = "octal permissions of the ctl and data sockets (default 0600)")
  String mode;

  @Option(
      names = {"--dirmode", "-dirmode"},
      paramLabel = "MODE",
      description = "octal permissions of the ctl directory (default derived from --mode)")
  String dirMode;

  @Option(
      names = {"-g", "--group", "-group"},
      paramLabel = "GROUP",
      description = "group owning the ctl directory and sockets")
  String group;

  @Option(
      names = {"-n", "--numports", "-numports"},
      paramLabel = "N",
      description = "number of ports (default 32: ports 1..31 for clients)")
  int numPorts = VdeSwitch.DEFAULT_PORTS;

  @Option(
      names = {"--hashsize", "-hashsize"},
      paramLabel = "N",
      description = "MAC table slots (default 128)")
  int hashSize = 128;

  @Option(
      names = {"-x", "--hub", "-hub"},
      description = "hub mode")
  boolean hub;

  @Option(
      names = {"-t", "--tap", "-tap"},
      paramLabel = "IF",
      description = "attach tap interface IF as a port")
  List<String> taps = new ArrayList<>();

  @Option(
      names = {"-f", "--rcfile", "-rcfile"},
      paramLabel = "FILE",
      description = "console commands to run at start")
  Path rcFile;

  @Option(
      names = {"-p", "--pidfile", "-pidfile"},
      paramLabel = "FILE",
      description = "write the pid to FILE")
  Path pidFile;

  @Option(
      names = {"-d", "--daemon", "-daemon"},
      description = "run in the background (a new session; returns once the switch runs)")
  boolean daemon;

  @Option(
      names = {"-F", "--fstp", "-fstp"},
      description = "enable the (fast) spanning tree (ignored in hub mode, as vde-2)")
  boolean fstp;

  @Option(
      names = {"--macaddr", "-macaddr"},
      paramLabel = "MAC",
      description = "switch MAC for the spanning tree (default 00:ff + 4 random bytes)")
  String macAddr;

  @Option(
      names = {"--priority", "-priority"},
      paramLabel = "N",
      description = "spanning tree priority, 0..65535 (default 32768)")
  int priority = LoopProtectionConfig.DEFAULT_PRIORITY;

  @Option(
      names = {"--storm-pps"},
      paramLabel = "N",
      description =
          "storm control: broadcast, multicast and unknown-unicast frames per second each port may"
              + " flood, 0 = no limit (default: ${DEFAULT-VALUE})")
  long stormPps = PortLimits.DEFAULT_FLOOD_PPS;

  @Option(
      names = {"--police-pps"},
      paramLabel = "N",
      description = "ingress policing: frames per second per port, 0 = no limit (default: 0)")
  long policePps;

  @Option(
      names = {"--police-bps"},
      paramLabel = "N",
      description = "ingress policing: bytes per second per port, 0 = no limit (default: 0)")
  long policeBps;

  @Option(
      names = {"--burst-ms"},
      paramLabel = "MS",
      description =
          "depth of each rate limit's bucket in ms of its rate (default: ${DEFAULT-VALUE})")
  int burstMs = PortLimits.DEFAULT_BURST_MS;

  @Option(
      names = {"--nostdin", "-nostdin"},
      description = "accepted for compatibility (stdin is never read)")
  boolean nostdin;

  @Override
  public Integer call() throws Exception {
    if (sock != null && positionalSock != null) {
      System.err.println("vde_switch: the ctl directory is given twice (-s and DIR)");
      return 2;
    }
    SwitchSettings settings;
    LoopProtectionConfig stp;
    try {
      settings = settings();
      LoopProtectionConfig rnd = LoopProtectionConfig.random(false);
      stp =
          new LoopProtectionConfig(
              priority,
              macAddr == null ? rnd.mac() : LoopProtectionConfig.parseMac(macAddr),
              rnd.timers(),
              false,
              null);
    } catch (IllegalArgumentException e) {
      System.err.println("vde_switch: " + e.getMessage());
      return 2;
    }
    if (rcFile != null && !Files.isReadable(rcFile)) {
      System.err.println("vde_switch: rc file " + rcFile + " is not readable");
      return 1;
    }
    if (daemon && !Daemon.isChild()) {
      return Daemon.spawn(Optional.ofNullable(pidFile).map(Path::toAbsolutePath));
    }
    VdeSwitch sw;
    try {
      sw = VdeSwitch.start(settings);
      if (fstp || macAddr != null || priority != LoopProtectionConfig.DEFAULT_PRIORITY) {
        sw.node().installLoopProtection(stp).setEnabled(fstp && !hub);
      }
      for (String t : taps)
        sw.node().addPort(Plugs.open("tap://" + t, OpenArgs.DEFAULT), "tap " + t);
    } catch (Exception e) {
      System.err.println("vde_switch: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(sw::close));
    if (rcFile != null) {
      // like vde-2, a failing command does not stop the script or the switch: show the script's
      // echo and replies on stderr when one of them failed
      String out = SwitchConsole.runScript(sw, rcFile.toAbsolutePath());
      if (!out.endsWith("1000 Success") || SwitchConsole.hasFailure(out))
        System.err.println("vde_switch: rc file " + rcFile + ":\n" + out);
    }
    if (pidFile != null)
      Daemon.writePidFile(pidFile.toAbsolutePath(), ProcessHandle.current().pid());
    sw.awaitStop();
    return 0;
  }

  private SwitchSettings settings() {
    Path dir = sock != null ? sock : positionalSock;
    if (dir == null) {
      dir = Path.of(LibC.INSTANCE.geteuid() == 0 ? "/var/run/vde.ctl" : "/tmp/vde.ctl");
    }
    return new SwitchSettings(
        dir.toAbsolutePath(),
        Optional.ofNullable(mgmt).map(Path::toAbsolutePath),
        hub,
        mode == null ? 0600 : octal("--mode", mode),
        Optional.ofNullable(dirMode).map(m -> octal("--dirmode", m)),
        Optional.ofNullable(group),
        mgmtMode == null ? 0600 : octal("--mgmtmode", mgmtMode),
        Optional.ofNullable(mgmtGroup),
        numPorts,
        hashSize,
        SwitchSettings.DEFAULT_MIN_PERSISTENCE,
        new PortLimits(policePps, policeBps, stormPps, burstMs));
  }

  private static int octal(String option, String text) {
    try {
      int v = Integer.parseInt(text, 8);
      if (v < 0 || v > 07777) throw new NumberFormatException();
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(option + " " + text + ": not an octal mode (0..07777)");
    }
  }

  /** Entry point; exits with the code of {@link #call()}. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new VdeSwitchMain()).execute(args));
  }
}
