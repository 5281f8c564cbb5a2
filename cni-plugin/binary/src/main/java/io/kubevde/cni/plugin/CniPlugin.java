package io.kubevde.cni.plugin;

import io.kubevde.cni.protocol.AgentProtocol;
import io.kubevde.cni.protocol.CniCommand;
import io.kubevde.cni.protocol.CniError;
import io.kubevde.cni.protocol.CniRequest;
import io.kubevde.cni.protocol.CniVersions;
import io.kubevde.cni.protocol.Json;
import io.kubevde.cni.protocol.JsonException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The CNI binary's logic (CNI SPEC 1.1.0, k8s-conventions.md §1): environment + stdin in, {@link
 * Outcome} (exit code, stdout, stderr) out. VERSION is answered here; ADD, DEL, CHECK, STATUS and
 * GC go to the node agent. Agent unreachable: ADD, CHECK and GC fail with code 11 (try again
 * later), STATUS with 50, DEL succeeds after {@link LocalCleanup}.
 */
public final class CniPlugin {
  /** Default time to wait for the agent's answer (ms). */
  public static final long DEFAULT_TIMEOUT_MS = 120_000;

  /** What the binary prints and returns. */
  public record Outcome(int exitCode, String stdout, String stderr) {}

  private final Function<Path, AgentClient> clients;

  /**
   * @param clients makes the agent client for a socket path (tests pass their own timeout)
   */
  public CniPlugin(Function<Path, AgentClient> clients) {
    this.clients = clients;
  }

  /** A plugin that talks to agents with {@link #DEFAULT_TIMEOUT_MS}. */
  public static CniPlugin standard() {
    return new CniPlugin(p -> new AgentClient(p, DEFAULT_TIMEOUT_MS));
  }

  /**
   * Runs one CNI invocation.
   *
   * @param env the process environment
   * @param stdin the stdin text, or {@code null} when reading stdin failed (→ code 5)
   */
  public Outcome run(Map<String, String> env, String stdin) {
    String version = stdin == null ? null : NetworkConfig.versionOrNull(stdin);
    String errVersion = CniVersions.isSupported(version) ? version : CniVersions.LATEST;
    try {
      CniEnvironment e = CniEnvironment.from(env);
      if (stdin == null)
        throw new CniError.Failure(
            CniError.IO_FAILURE, "cannot read the network configuration from stdin");
      if (e.command() == CniCommand.VERSION) return version(stdin);
      NetworkConfig cfg = NetworkConfig.parse(stdin);
      return forward(e, cfg, env);
    } catch (CniError.Failure f) {
      return error(f.error(), errVersion, "");
    }
  }

  private static Outcome version(String stdin) {
    String v = CniVersions.LATEST;
    if (!stdin.isBlank()) {
      Object parsed;
      try {
        parsed = Json.parse(stdin);
      } catch (JsonException ex) {
        throw new CniError.Failure(
            new CniError(CniError.DECODE_FAILURE, "cannot decode VERSION input", ex.getMessage()));
      }
      if (parsed instanceof Map<?, ?> m && m.get("cniVersion") instanceof String s && !s.isEmpty())
        v = s;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("cniVersion", v);
    out.put("supportedVersions", CniVersions.SUPPORTED);
    return new Outcome(0, Json.write(out), "");
  }

  private Outcome forward(CniEnvironment e, NetworkConfig cfg, Map<String, String> env) {
    String fromEnv = env.get(AgentProtocol.SOCKET_ENV);
    Path socket =
        Path.of(fromEnv != null && !fromEnv.isEmpty() ? fromEnv : AgentProtocol.DEFAULT_SOCKET);
    CniRequest req =
        new CniRequest(
            e.command(), e.containerId(), e.netns(), e.ifName(), e.args(), e.path(), cfg.raw());
    String answer;
    try {
      answer = clients.apply(socket).call(req);
    } catch (IOException ex) {
      return agentDown(e, cfg, ex);
    }
    if (answer.isEmpty()) {
      // the agent exited (killed, crashed) between reading the request and answering: for the
      // runtime it is down, not a broken answer
      return agentDown(
          e, cfg, new IOException("kubevde agent closed the connection without an answer"));
    }
    Map<String, Object> m;
    try {
      m = Json.parseObject(answer);
    } catch (JsonException ex) {
      if (e.command() == CniCommand.DEL)
        return delWithoutAgent(e, "agent answer undecodable: " + ex.getMessage());
      return error(
          new CniError(
              CniError.DECODE_FAILURE, "cannot decode the kubevde agent's answer", ex.getMessage()),
          cfg.cniVersion(),
          "");
    }
    CniError err = CniError.fromJson(m);
    if (err != null) return error(err, cfg.cniVersion(), "");
    return switch (e.command()) {
      case ADD -> new Outcome(0, answer, "");
      default -> new Outcome(0, "", "");
    };
  }

  private static Outcome agentDown(CniEnvironment e, NetworkConfig cfg, IOException ex) {
    return switch (e.command()) {
      case DEL -> delWithoutAgent(e, ex.getMessage());
      case STATUS ->
          error(
              new CniError(CniError.NOT_AVAILABLE, "kubevde agent not available", ex.getMessage()),
              cfg.cniVersion(),
              "");
      default ->
          error(
              new CniError(
                  CniError.TRY_AGAIN_LATER,
                  "kubevde agent not available, try again later",
                  ex.getMessage()),
              cfg.cniVersion(),
              "");
    };
  }

  private static Outcome delWithoutAgent(CniEnvironment e, String why) {
    String done = LocalCleanup.run(e.netns(), e.ifName(), e.containerId());
    return new Outcome(0, "", "kubevde: DEL without agent (" + why + "): " + done + "\n");
  }

  private static Outcome error(CniError err, String version, String stderr) {
    return new Outcome(1, Json.write(err.toJson(version)), stderr);
  }
}
