package io.kubevde.vdeplug;

import java.util.Optional;

/**
 * What the caller of {@link Plugs#open} passes besides the VNL: vdeplug4's {@code vde_open_args}
 * plus the description (vde-protocols.md §1.1 item 5, §3.4 item 1, §10.1).
 *
 * @param description text shown by switches in {@code port/print}; {@link #description(String)}
 *     appends {@code user= pid=} like vdeplug4 ({@code vdeplug:} is vde_plug's default)
 * @param port requested switch port for {@code vde://} (0 = any), used only when the VNL gives none
 * @param group group name or number owning sockets the plug creates, if any
 * @param mode permission bits (octal, e.g. 0700) of sockets/directories the plug creates, if any
 */
public record OpenArgs(
    String description, int port, Optional<String> group, Optional<Integer> mode) {

  /**
   * The defaults {@code vde_plug} uses: description {@code "vdeplug:"}, any port, no group, mode
   * 0700.
   */
  public static final OpenArgs DEFAULT =
      new OpenArgs("vdeplug:", 0, Optional.empty(), Optional.of(0700));

  public OpenArgs {
    description = description == null ? "" : description;
    group = group == null ? Optional.empty() : group;
    mode = mode == null ? Optional.empty() : mode;
    if (port < 0) throw new IllegalArgumentException("port must be >= 0, got " + port);
  }

  /** A copy with another description text (without the user/pid suffix). */
  public OpenArgs withDescription(String text) {
    return new OpenArgs(text, port, group, mode);
  }

  /** A copy with another requested port. */
  public OpenArgs withPort(int newPort) {
    return new OpenArgs(description, newPort, group, mode);
  }

  /**
   * The full description sent to switches: {@code "<descr> user=<name> pid=<pid>"} plus {@code "
   * SSH=<ip>"} when {@code SSH_CLIENT} is set, truncated to 127 bytes (vde-protocols.md §1.1 item
   * 5).
   */
  public String fullDescription() {
    StringBuilder b = new StringBuilder(description);
    b.append(" user=").append(System.getProperty("user.name", "unknown"));
    b.append(" pid=").append(ProcessHandle.current().pid());
    String ssh = System.getenv("SSH_CLIENT");
    if (ssh != null && !ssh.isBlank()) b.append(" SSH=").append(ssh.trim().split("\\s+")[0]);
    String s = b.toString();
    while (s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 127)
      s = s.substring(0, s.length() - 1);
    return s;
  }
}
