package io.kubevde.vdeplug.cli;

import io.kubevde.vdeplug.OpenArgs;
import io.kubevde.vdeplug.Plugs;
import io.kubevde.vdeplug.ffi.LibC;
import io.kubevde.vdeplug.netnode.PortLimits;
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

/**
 * {@code vde_switch} (vde-protocols.md §9.1), the options that matter: {@code -s DIR}, {@code -M
 * MGMT}, {@code -x} (hub), {@code -t TAP} (repeatable; needs the {@code tap://} plugin), {@code -p
 * PIDFILE}; {@code -d} and {@code --nostdin} are accepted for compatibility (this switch never
 * reads stdin, so it does not die on stdin EOF as 2.3.2 does). Long options also work with one dash
 * ({@code -sock}, {@code -hub}, {@code -mgmt}, ...). Runs until the console's {@code shutdown} or
 * SIGTERM. kubevde additions: {@code --storm-pps}, {@code --police-pps}, {@code --police-bps},
 * {@code --burst-ms} (per-port storm control and ingress policing, {@link PortLimits}). Exit codes:
 * 0 clean stop, 1 start failure, 2 usage.
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

  @Option(
      names = {"-M", "--mgmt", "-mgmt"},
      paramLabel = "SOCK",
      description = "management console socket")
  Path mgmt;

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
      names = {"-p", "--pidfile", "-pidfile"},
      paramLabel = "FILE",
      description = "write the pid to FILE")
  Path pidFile;

  @Option(
      names = {"-d", "--daemon", "-daemon"},
      description = "accepted for compatibility (run in the background with &)")
  boolean daemon;

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
    Path dir =
        sock != null
            ? sock
            : Path.of(LibC.INSTANCE.geteuid() == 0 ? "/var/run/vde.ctl" : "/tmp/vde.ctl");
    VdeSwitch sw;
    PortLimits limits;
    try {
      limits = new PortLimits(policePps, policeBps, stormPps, burstMs);
    } catch (IllegalArgumentException e) {
      System.err.println("vde_switch: " + e.getMessage());
      return 2;
    }
    try {
      sw =
          VdeSwitch.start(
              dir.toAbsolutePath(),
              Optional.ofNullable(mgmt).map(Path::toAbsolutePath),
              hub,
              limits);
      for (String t : taps)
        sw.node().addPort(Plugs.open("tap://" + t, OpenArgs.DEFAULT), "tap " + t);
    } catch (Exception e) {
      System.err.println("vde_switch: " + e.getMessage());
      return 1;
    }
    if (pidFile != null) Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
    Runtime.getRuntime().addShutdownHook(new Thread(sw::close));
    sw.awaitStop();
    if (pidFile != null) Files.deleteIfExists(pidFile);
    return 0;
  }

  /** Entry point; exits with the code of {@link #call()}. */
  public static void main(String[] args) {
    System.exit(new CommandLine(new VdeSwitchMain()).execute(args));
  }
}
