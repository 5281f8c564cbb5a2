package io.kubevde.cni.protocol;

/** The CNI operations (CNI SPEC 1.1.0 §"CNI operations"; the value of {@code CNI_COMMAND}). */
public enum CniCommand {
  /** Attach the container to the network. */
  ADD,
  /** Detach; idempotent, best effort. */
  DEL,
  /** Verify an attachment made by ADD. */
  CHECK,
  /** Report the versions the plugin supports (handled by the binary, never sent to the agent). */
  VERSION,
  /** Whether the plugin can serve ADD. */
  STATUS,
  /** Remove attachments not listed in {@code cni.dev/valid-attachments}. */
  GC;

  /** The command named {@code s} (exact, upper case), or {@code null} when unknown. */
  public static CniCommand parse(String s) {
    if (s == null) return null;
    for (CniCommand c : values()) {
      if (c.name().equals(s)) return c;
    }
    return null;
  }
}
