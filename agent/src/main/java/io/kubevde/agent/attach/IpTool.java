package io.kubevde.agent.attach;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs iproute2 ({@code ip}) for the agent's link work: a batch of commands in the host netns
 * ({@code ip -batch -}) or inside a pod netns given by path ({@code ip -n NAME} for
 * /var/run/netns/NAME, else {@code nsenter --net=<path> ip}; {@code ip -n} only takes names). One
 * process per batch: an ADD is one exec. Every command runs through {@link Subprocess}: its timeout
 * fires (output goes to a file, not a pipe).
 */
public final class IpTool {
  /** The outcome of a command: exit code and merged stdout+stderr. */
  public record Result(int exit, String output) {
    /** Whether the command succeeded. */
    public boolean ok() {
      return exit == 0;
    }
  }

  private final long timeoutMs;

  /**
   * @param timeoutMs how long one command may take (ms) before it is killed
   */
  public IpTool(long timeoutMs) {
    this.timeoutMs = timeoutMs;
  }

  /** How long one command may take (ms). */
  public long timeoutMs() {
    return timeoutMs;
  }

  /**
   * Runs {@code ip -batch -} in the host netns with {@code lines} on stdin (stops at the first
   * failing line).
   *
   * @throws IllegalArgumentException when a line holds a character {@code ip -batch} would
   *     interpret ({@link #requireSafe}); nothing is run then
   */
  public Result batch(List<String> lines) {
    return run(List.of("ip", "-batch", "-"), script(lines));
  }

  /**
   * Runs {@code ip -batch -} inside the netns at {@code netnsPath}.
   *
   * @throws IllegalArgumentException when a line is not {@linkplain #requireSafe safe}; nothing is
   *     run then
   */
  public Result batchIn(String netnsPath, List<String> lines) {
    String script = script(lines);
    List<String> cmd = new ArrayList<>(inNetns(netnsPath));
    cmd.addAll(List.of("-batch", "-"));
    return run(cmd, script);
  }

  private static String script(List<String> lines) {
    for (String l : lines) requireSafe(l);
    return String.join("\n", lines) + "\n";
  }

  /**
   * The last guard before text reaches an {@code ip -batch} script, where {@code #} starts a
   * comment, quotes and backslashes are interpreted and a newline starts another command: a line
   * may hold only {@code [A-Za-z0-9 _.:/%+-]} (words, addresses, CIDRs, MACs, percent-encoded
   * names), single spaces between words. The values themselves are validated earlier with CNI error
   * codes (CNI_IFNAME: 4, config: 7); this catches a value that slipped through.
   *
   * @throws IllegalArgumentException naming the offending line
   */
  static void requireSafe(String line) {
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == ' '
              || c == '_'
              || c == '.'
              || c == ':'
              || c == '/'
              || c == '%'
              || c == '+'
              || c == '-';
      if (!ok)
        throw new IllegalArgumentException(
            "refusing ip -batch line with character 0x"
                + Integer.toHexString(c)
                + ": "
                + line.replace("\n", "\\n"));
    }
  }

  /** Runs {@code ip ARGS…} inside the netns at {@code netnsPath}. */
  public Result in(String netnsPath, String... args) {
    List<String> cmd = new ArrayList<>(inNetns(netnsPath));
    cmd.addAll(List.of(args));
    return run(cmd, null);
  }

  /**
   * The command prefix running {@code ip} in a netns: {@code ip -n NAME} when the path is a named
   * netns under /var/run/netns or /run/netns (containerd's and CRI-O's paths; one exec), else
   * {@code nsenter --net=PATH ip}.
   */
  static List<String> inNetns(String netnsPath) {
    for (String dir : List.of("/var/run/netns/", "/run/netns/")) {
      if (netnsPath.startsWith(dir)) {
        String name = netnsPath.substring(dir.length());
        if (!name.isEmpty() && name.indexOf('/') < 0 && !name.startsWith("."))
          return List.of("ip", "-n", name);
      }
    }
    return List.of("nsenter", "--net=" + netnsPath, "ip");
  }

  /** Runs {@code ip ARGS…} in the host netns. */
  public Result host(String... args) {
    List<String> cmd = new ArrayList<>(List.of("ip"));
    cmd.addAll(List.of(args));
    return run(cmd, null);
  }

  private Result run(List<String> cmd, String stdin) {
    Subprocess.Result r = Subprocess.run(cmd, java.util.Map.of(), stdin, timeoutMs, true);
    return new Result(r.exit(), r.stdout());
  }
}
