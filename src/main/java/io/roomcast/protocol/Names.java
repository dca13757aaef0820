package io.roomcast.protocol;

import java.util.Locale;

/** Validation of nicks and room names: ASCII letters, digits, {@code _ - .}, bounded length. */
public final class Names {
  public static final int MAX_NICK = 32;
  public static final int MAX_ROOM = 64;

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
