package io.kubevde.vdeplug.netnode;

import java.io.IOException;

/**
 * A {@code vde://} client was refused a port (number out of range, not allocatable, access control,
 * no free port); the rendezvous logs the message and closes the client's connection, as vde_switch
 * does (vde-protocols.md §3.5; vde-2 PR #58 for ports beyond {@code numports}).
 */
public final class PortRefusedException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * @param message why, naming the port and the client
   */
  public PortRefusedException(String message) {
    super(message);
  }
}
