package io.roomcast.protocol;

import java.util.Locale;

/**
 * Validation of nicks and room names (ASCII letters, digits, {@code _ - .}, bounded length) and of
 * the idempotency keys of sends.
 */
public final class Names {
  public static final int MAX_NICK = 32;
  public static final int MAX_ROOM = 64;
  public static final int MAX_KEY = 64;

  private Names() {
  }

  public static boolean isValidNick(String nick) {
    return isValid(nick, MAX_NICK);
  }

  public static boolean isValidRoom(String room) {
    return isValid(room, MAX_ROOM);
  }

  /** Nicks are unique ignoring ASCII case; this is the key they are unique under. */
  public static String nickKey(String nick) {
    return nick.toLowerCase(Locale.ROOT);
  }

  public static String checkNick(String nick) {
    if (!isValidNick(nick)) {
      throw new ProtocolException(ErrorCode.INVALID_NICK,
          "nick must be 1-" + MAX_NICK + " characters of A-Z a-z 0-9 _ - .");
    }
    return nick;
  }

  public static String checkRoom(String room) {
    if (!isValidRoom(room)) {
      throw new ProtocolException(ErrorCode.INVALID_ROOM,
          "room must be 1-" + MAX_ROOM + " characters of A-Z a-z 0-9 _ - .");
    }
    return room;
  }

  /**
   * A send's idempotency key: 1-64 printable ASCII characters, no space (a UUID, a counter, base64).
   * Null (no key) passes.
   */
  public static String checkKey(String key) {
    if (key == null) {
      return null;
    }
    boolean ok = !key.isEmpty() && key.length() <= MAX_KEY;
    for (int i = 0; ok && i < key.length(); i++) {
      char c = key.charAt(i);
      ok = c > ' ' && c < 0x7f;
    }
    if (!ok) {
      throw new ProtocolException(ErrorCode.INVALID_KEY,
          "key must be 1-" + MAX_KEY + " printable ASCII characters without spaces");
    }
    return key;
  }

  /**
   * Where a message's key is remembered: per sender (its nick, ignoring case), so that two senders'
   * keys never meet. A space is in no nick, so the two parts cannot run into each other.
   */
  public static String keyScope(String from, String key) {
    return nickKey(from) + ' ' + key;
  }

  private static boolean isValid(String s, int max) {
    if (s == null || s.isEmpty() || s.length() > max) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '_' || c == '-' || c == '.';
      if (!ok) {
        return false;
      }
    }
    return true;
  }
}
