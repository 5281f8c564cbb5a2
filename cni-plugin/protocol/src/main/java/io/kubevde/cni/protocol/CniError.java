package io.kubevde.cni.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A CNI error result (CNI SPEC 1.1.0 "Error", k8s-conventions.md §1.5): printed on stdout with a
 * non-zero exit, and sent by the agent instead of a result. Codes 0-99 are the spec's; kubevde's
 * own codes start at 100.
 *
 * @param code the error code (see the constants)
 * @param msg a short message
 * @param details longer text (may be empty)
 */
public record CniError(int code, String msg, String details) {
  /** 1: incompatible CNI version. */
  public static final int INCOMPATIBLE_VERSION = 1;

  /** 2: unsupported field in the network configuration; the message names key and value. */
  public static final int UNSUPPORTED_FIELD = 2;

  /** 3: container unknown or does not exist. */
  public static final int UNKNOWN_CONTAINER = 3;

  /** 4: invalid or missing environment variables; the message names them. */
  public static final int INVALID_ENV = 4;

  /** 5: I/O failure (e.g. reading stdin). */
  public static final int IO_FAILURE = 5;

  /** 6: failed to decode content (stdin, the agent's answer). */
  public static final int DECODE_FAILURE = 6;

  /** 7: invalid network configuration. */
  public static final int INVALID_CONFIG = 7;

  /** 11: try again later (the node agent is not reachable yet). */
  public static final int TRY_AGAIN_LATER = 11;

  /** 50: STATUS: the plugin cannot serve ADD. */
  public static final int NOT_AVAILABLE = 50;

  /** 100: kubevde: the attachment (container, interface) already exists. */
  public static final int ATTACHMENT_EXISTS = 100;

  /** 101: kubevde: CHECK found the interface missing or different from what ADD configured. */
  public static final int CHECK_FAILED = 101;

  /** 102: kubevde: address pool exhausted. */
  public static final int POOL_EXHAUSTED = 102;

  /** 103: kubevde: the agent failed to configure the interface (a netlink / ip command failed). */
  public static final int SETUP_FAILED = 103;

  /**
   * kubevde: the attachment is not permitted by policy (a pod outside the namespaces the VdeNetwork
   * admits: {@code spec.allowedNamespaces}); the message names both namespaces and the network.
   */
  public static final int NOT_PERMITTED = 104;

  /** Creates an error with empty details. */
  public static CniError of(int code, String msg) {
    return new CniError(code, msg, "");
  }

  /** The error JSON in the given CNI version: {@code {"cniVersion","code","msg","details"}}. */
  public Map<String, Object> toJson(String cniVersion) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cniVersion", cniVersion);
    m.put("code", (long) code);
    m.put("msg", msg);
    if (details != null && !details.isEmpty()) m.put("details", details);
    return m;
  }

  /**
   * Reads an error JSON (the inverse of {@link #toJson}); {@code null} when the object has no
   * {@code code}.
   */
  public static CniError fromJson(Map<String, Object> m) {
    if (!(m.get("code") instanceof Number n)) return null;
    Object msg = m.get("msg");
    Object details = m.get("details");
    return new CniError(
        n.intValue(), msg == null ? "" : msg.toString(), details == null ? "" : details.toString());
  }

  /**
   * An exception carrying a {@link CniError}, thrown where the error is found and caught at the
   * protocol edge.
   */
  public static final class Failure extends RuntimeException {
    private final CniError error;

    /** Wraps {@code error}. */
    public Failure(CniError error) {
      super(
          error.code()
              + ": "
              + error.msg()
              + (error.details().isEmpty() ? "" : " (" + error.details() + ")"));
      this.error = error;
    }

    /** Creates the failure for {@code code} and {@code msg}. */
    public Failure(int code, String msg) {
      this(CniError.of(code, msg));
    }

    /** The CNI error. */
    public CniError error() {
      return error;
    }
  }
}
