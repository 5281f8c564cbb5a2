package io.kubevde.cni.protocol;

import java.util.ArrayList;
import java.util.List;

/**
 * The CNI parameter rules both sides enforce (CNI SPEC 1.1.0 "Parameters", k8s-conventions.md
 * §1.1): which variables each command needs, the container id syntax and interface names. Interface
 * names are held to a stricter rule than Linux's (which allows any byte but {@code /}, {@code :}
 * and blanks): only {@code [A-Za-z0-9_.-]}, at most 15 bytes, not {@code .}/{@code ..}, because the
 * name is written into an {@code ip -batch} script, where {@code #} starts a comment, quotes and
 * backslashes are interpreted and a newline starts a new command.
 */
public final class CniValidation {
  private CniValidation() {}

  /**
   * Checks the parameters of {@code cmd}: ADD and CHECK need container id, netns and ifname; DEL
   * needs container id and ifname; GC needs CNI_PATH; the container id and ifname must be
   * well-formed when required.
   *
   * @throws CniError.Failure code 4 naming every missing or invalid variable
   */
  public static void require(
      CniCommand cmd, String containerId, String netns, String ifName, String path) {
    List<String> missing = new ArrayList<>();
    boolean needsContainer =
        cmd == CniCommand.ADD || cmd == CniCommand.CHECK || cmd == CniCommand.DEL;
    if (needsContainer && containerId.isEmpty()) missing.add("CNI_CONTAINERID");
    if ((cmd == CniCommand.ADD || cmd == CniCommand.CHECK) && netns.isEmpty())
      missing.add("CNI_NETNS");
    if (needsContainer && ifName.isEmpty()) missing.add("CNI_IFNAME");
    if (cmd == CniCommand.GC && path.isEmpty()) missing.add("CNI_PATH");
    if (!missing.isEmpty()) {
      throw new CniError.Failure(
          CniError.INVALID_ENV,
          "required environment variables missing: " + String.join(", ", missing));
    }
    if (needsContainer && !isContainerId(containerId)) {
      throw new CniError.Failure(
          CniError.INVALID_ENV,
          "CNI_CONTAINERID '" + containerId + "' is not a valid container id");
    }
    if (needsContainer) {
      String why = ifNameProblem(ifName);
      if (why != null)
        throw new CniError.Failure(CniError.INVALID_ENV, "CNI_IFNAME '" + ifName + "' " + why);
    }
  }

  /** Longest container id accepted (bytes); runtimes use 64 hex digits. */
  public static final int MAX_CONTAINER_ID = 255;

  /**
   * Whether {@code id} matches {@code [A-Za-z0-9][A-Za-z0-9_.-]*} and is at most {@value
   * #MAX_CONTAINER_ID} characters (no regex: the binary runs interpreted).
   */
  public static boolean isContainerId(String id) {
    if (id.isEmpty() || id.length() > MAX_CONTAINER_ID) return false;
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-'))) return false;
    }
    return true;
  }

  /**
   * Why {@code name} cannot be a kubevde interface name, or null: it must be 1..15 characters of
   * {@code [A-Za-z0-9_.-]} and not {@code .} or {@code ..} (stricter than Linux, see the class
   * comment).
   */
  public static String ifNameProblem(String name) {
    if (name.isEmpty()) return "is empty";
    if (name.length() > 15) return "is longer than 15 characters";
    if (name.equals(".") || name.equals("..")) return "is not a valid interface name";
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || c == '_'
              || c == '.'
              || c == '-';
      if (!ok) return "contains a character outside [A-Za-z0-9_.-]";
    }
    return null;
  }

  /**
   * Why {@code s} is not a DNS-1123 label ({@code [a-z0-9]([-a-z0-9]*[a-z0-9])?}, at most 63
   * characters: a Kubernetes namespace name), or null.
   */
  public static String dnsLabelProblem(String s) {
    if (s.isEmpty() || s.length() > 63) return "must be 1..63 characters";
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      if (!alnum && (c != '-' || i == 0 || i == s.length() - 1))
        return "must be lower-case alphanumerics and '-', starting and ending alphanumeric";
    }
    return null;
  }

  /**
   * Why {@code s} is not a DNS-1123 subdomain (dot-separated labels, at most 253 characters: a
   * Kubernetes object name such as a VdeNetwork's), or null.
   */
  public static String dnsSubdomainProblem(String s) {
    if (s.isEmpty() || s.length() > 253) return "must be 1..253 characters";
    for (String label : s.split("\\.", -1)) {
      if (dnsLabelProblem(label) != null)
        return "must be lower-case alphanumerics, '-' and '.', each part starting and ending alphanumeric";
    }
    return null;
  }
}
