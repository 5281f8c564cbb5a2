package io.kubevde.cni.protocol;

/**
 * Thrown by {@link Json} when text is not valid JSON (RFC 8259); the message gives the character
 * offset.
 */
public final class JsonException extends RuntimeException {
  /** Creates the exception with a message naming what is wrong and where. */
  public JsonException(String message) {
    super(message);
  }
}
