package io.kubevde.vdeplug.vnl;

/**
 * A VNL that cannot be used, with the offending part named: {@code bad VNL "vxvde://x/ttl=abc":
 * option 'ttl=abc': not a decimal number}. The Java form of vdeplug4's EINVAL / EPROTONOSUPPORT
 * open failures (vde-protocols.md §0.2).
 */
public final class VnlException extends IllegalArgumentException {
  private final String vnl;
  private final String part;

  /**
   * @param vnl the whole VNL text as given
   * @param part the bad part, e.g. {@code "option 'ttl=abc'"} or {@code "scheme 'foo'"}
   * @param reason why it is bad
   */
  public VnlException(String vnl, String part, String reason) {
    super("bad VNL \"" + vnl + "\": " + part + ": " + reason);
    this.vnl = vnl;
    this.part = part;
  }

  /** The whole VNL text. */
  public String vnl() {
    return vnl;
  }

  /** The offending part, as named in the message. */
  public String part() {
    return part;
  }
}
