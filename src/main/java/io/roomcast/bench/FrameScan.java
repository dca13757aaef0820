package io.roomcast.bench;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;

/**
 * Reads the few fields the bench needs straight from a frame's bytes. At hundreds of thousands of
 * copies per second, decoding every frame to a String and then to a JsonObject would make the bench
 * the bottleneck; both servers write compact JSON, and the only free text (the message text and nicks)
 * is JSON-escaped, so a key pattern such as {@code "seq":} cannot appear inside a value.
 */
final class FrameScan {
  static final int OTHER = 0;
  static final int MESSAGE = 1;
  static final int ACK = 2;
  static final int ERROR = 3;
  static final int WELCOME = 4;

  /** Returned by the number readers when the key or its digits are missing. */
  static final long NONE = -1;

  private static final byte[] TYPE = ascii("\"type\":\"");
  private static final byte[] SEQ = ascii("\"seq\":");
  private static final byte[] TEXT = ascii("\"text\":\"");
  private static final byte[] ID = ascii("\"id\":");
  private static final byte[] T_MESSAGE = ascii("message\"");
  private static final byte[] T_ACK = ascii("ack\"");
  private static final byte[] T_ERROR = ascii("error\"");
  private static final byte[] T_WELCOME = ascii("welcome\"");

  private FrameScan() {
  }

  /** The frame's type as one of the constants above; the type key comes first in practice, so this is quick. */
  static int type(Buffer b) {
    int at = indexOf(b, TYPE, 0);
    if (at < 0) {
      return OTHER;
    }
    int p = at + TYPE.length;
    if (p >= b.length()) {
      return OTHER;
    }
    return switch (b.getByte(p)) {
      case 'm' -> startsWith(b, p, T_MESSAGE) ? MESSAGE : OTHER;
      case 'a' -> startsWith(b, p, T_ACK) ? ACK : OTHER;
      case 'e' -> startsWith(b, p, T_ERROR) ? ERROR : OTHER;
      case 'w' -> startsWith(b, p, T_WELCOME) ? WELCOME : OTHER;
      default -> OTHER;
    };
  }

  /** The {@code seq} field, or {@link #NONE}. */
  static long seq(Buffer b) {
    int at = indexOf(b, SEQ, 0);
    return at < 0 ? NONE : digits(b, at + SEQ.length);
  }

  /** The number the text starts with (the bench's send timestamp), or {@link #NONE} for other texts. */
  static long textNumber(Buffer b) {
    int at = indexOf(b, TEXT, 0);
    return at < 0 ? NONE : digits(b, at + TEXT.length);
  }

  /** Whether the frame carries an {@code id} (errors without one answer no particular frame). */
  static boolean hasId(Buffer b) {
    return indexOf(b, ID, 0) >= 0;
  }

  /** Reads a non-negative decimal at {@code p}, after optional spaces; {@link #NONE} when there is none. */
  static long digits(Buffer b, int p) {
    int n = b.length();
    while (p < n && b.getByte(p) == ' ') {
      p++;
    }
    long v = 0;
    int start = p;
    while (p < n) {
      byte c = b.getByte(p);
      if (c < '0' || c > '9' || p - start >= 18) {
        break;
      }
      v = v * 10 + (c - '0');
      p++;
    }
    return p == start ? NONE : v;
  }

  static int indexOf(Buffer b, byte[] needle, int from) {
    int last = b.length() - needle.length;
    byte first = needle[0];
    for (int i = from; i <= last; i++) {
      if (b.getByte(i) == first && startsWith(b, i, needle)) {
        return i;
      }
    }
    return -1;
  }

  private static boolean startsWith(Buffer b, int p, byte[] s) {
    if (p + s.length > b.length()) {
      return false;
    }
    for (int i = 0; i < s.length; i++) {
      if (b.getByte(p + i) != s[i]) {
        return false;
      }
    }
    return true;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
