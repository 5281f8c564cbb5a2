package io.kubevde.vdeplug;

import java.nio.channels.ClosedChannelException;

/**
 * Thrown by {@link Plug#send} (and other operations) on a plug that is closed or closing. A {@link
 * ClosedChannelException}, so callers that already treat a closed channel as "plug gone" keep
 * working; unlike the JDK exception it carries a message naming the plug (e.g. {@code "vde plug
 * closed"}).
 */
public final class PlugClosedException extends ClosedChannelException {
  private static final long serialVersionUID = 1L;
  private final String message;

  /**
   * @param message what is closed, e.g. {@code "tap tap0 is closed"}
   */
  public PlugClosedException(String message) {
    this.message = message;
  }

  @Override
  public String getMessage() {
    return message;
  }
}
