package io.roomcast.protocol;

/**
 * A client mistake: carries the wire error code and a message meant for the client's developer.
 * It never carries a stack trace, because client mistakes are not server faults.
 */
public final class ProtocolException extends RuntimeException {
  private final ErrorCode code;

  public ProtocolException(ErrorCode code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public ErrorCode code() {
    return code;
  }
}
