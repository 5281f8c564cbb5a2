package io.kubevde.agent.netlink;

import java.io.IOException;

/**
 * An rtnetlink request the kernel refused (an {@code NLMSG_ERROR} with a negative error) or that
 * could not be made. The message names the operation, the interface and the errno by name, plus the
 * kernel's extended-ack text when it sent one: {@code "add address 10.0.0.2/24 on net1: EEXIST
 * (File exists)"}.
 */
public final class NetlinkException extends IOException {
  private final String operation;
  private final String ifName;
  private final int errno;

  /**
   * @param operation what was asked ({@code "add route 10.78.0.0/16"})
   * @param ifName the interface it was about ({@code ""} when none)
   * @param errno the positive error number
   * @param detail the system's error text and the kernel's extended ack, or null
   */
  public NetlinkException(String operation, String ifName, int errno, String detail) {
    super(
        operation
            + (ifName.isEmpty() ? "" : " on " + ifName)
            + ": "
            + Errno.name(errno)
            + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"));
    this.operation = operation;
    this.ifName = ifName;
    this.errno = errno;
  }

  /** The operation that failed. */
  public String operation() {
    return operation;
  }

  /** The interface it was about ({@code ""} when none). */
  public String ifName() {
    return ifName;
  }

  /** The positive errno. */
  public int errno() {
    return errno;
  }
}
