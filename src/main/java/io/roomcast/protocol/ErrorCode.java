package io.roomcast.protocol;

/**
 * The stable error codes of wire protocol v1. Clients switch on {@link #code()}, so a code,
 * once published in docs/PROTOCOL.md, never changes meaning.
 */
public enum ErrorCode {
  INVALID_JSON("invalid_json"),
  INVALID_FRAME("invalid_frame"),
  UNKNOWN_TYPE("unknown_type"),
  INVALID_ROOM("invalid_room"),
  INVALID_NICK("invalid_nick"),
  NICK_TAKEN("nick_taken"),
  INVALID_TEXT("invalid_text"),
  INVALID_KEY("invalid_key"),
  NOT_MEMBER("not_member"),
  TOO_MANY_ROOMS("too_many_rooms"),
  NO_SUCH_USER("no_such_user"),
  UNSUPPORTED_BINARY("unsupported_binary"),
  RATE_LIMITED("rate_limited"),
  /** The chat could not answer in time (a cluster node is taking over); the frame may be retried. */
  UNAVAILABLE("unavailable");

  private final String code;

  ErrorCode(String code) {
    this.code = code;
  }

  /** The code as it appears on the wire. */
  public String code() {
    return code;
  }

  /** Looks a wire code up; {@code null} when it is not one of ours. */
  public static ErrorCode fromCode(String code) {
    for (ErrorCode c : values()) {
      if (c.code.equals(code)) {
        return c;
      }
    }
    return null;
  }
}
