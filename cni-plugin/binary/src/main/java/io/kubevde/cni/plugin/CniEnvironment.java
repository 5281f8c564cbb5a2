package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.CniValidation;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The CNI parameters a runtime passes in the environment (CNI SPEC 1.1.0 "Parameters",
 * k8s-conventions.md §1.1), validated for the command: ADD and CHECK need CNI_CONTAINERID,
 * CNI_NETNS and CNI_IFNAME; DEL needs CNI_CONTAINERID and CNI_IFNAME (CNI_NETNS may be empty); GC
 * needs CNI_PATH; VERSION and STATUS need nothing more.
 *
 * @param command CNI_COMMAND
 * @param containerId CNI_CONTAINERID ({@code ""} when absent)
 * @param netns CNI_NETNS ({@code ""} when absent)
 * @param ifName CNI_IFNAME ({@code ""} when absent)
 * @param args CNI_ARGS split into {@code K=V} pairs, in order
 * @param path CNI_PATH ({@code ""} when absent)
 */
public record CniEnvironment(
    CniCommand command,
    String containerId,
    String netns,
    String ifName,
    Map<String, String> args,
    String path) {

  /**
   * Reads and validates the environment.
   *
   * @throws CniError.Failure code 4 naming every missing or invalid variable
   */
  public static CniEnvironment from(Map<String, String> env) {
    String cmdText = env.getOrDefault("CNI_COMMAND", "");
    CniCommand cmd = CniCommand.parse(cmdText);
    if (cmd == null) {
      throw new CniError.Failure(
          CniError.INVALID_ENV,
          cmdText.isEmpty()
              ? "CNI_COMMAND is not set"
              : "CNI_COMMAND '" + cmdText + "' is not a CNI command");
    }
    String cid = env.getOrDefault("CNI_CONTAINERID", "");
    String netns = env.getOrDefault("CNI_NETNS", "");
    String ifName = env.getOrDefault("CNI_IFNAME", "");
    String path = env.getOrDefault("CNI_PATH", "");
    CniValidation.require(cmd, cid, netns, ifName, path);
    return new CniEnvironment(
        cmd, cid, netns, ifName, parseArgs(env.getOrDefault("CNI_ARGS", "")), path);
  }

  /**
   * Why {@code name} cannot be a Linux interface name, or null ({@link
   * CniValidation#ifNameProblem}).
   */
  public static String ifNameProblem(String name) {
    return CniValidation.ifNameProblem(name);
  }

  /**
   * Splits CNI_ARGS ({@code K1=V1;K2=V2}, k8s-conventions.md §1.1); empty pairs are skipped.
   *
   * @throws CniError.Failure code 4 on a pair without {@code =} or with an empty key
   */
  public static Map<String, String> parseArgs(String cniArgs) {
    Map<String, String> out = new LinkedHashMap<>();
    if (cniArgs == null || cniArgs.isBlank()) return out;
    for (String pair : cniArgs.split(";")) {
      if (pair.isEmpty()) continue;
      int eq = pair.indexOf('=');
      if (eq <= 0)
        throw new CniError.Failure(
            CniError.INVALID_ENV, "CNI_ARGS: invalid pair '" + pair + "' (want KEY=VALUE)");
      out.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return out;
  }
}
