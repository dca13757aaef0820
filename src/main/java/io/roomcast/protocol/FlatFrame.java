package io.roomcast.protocol;

import java.math.BigInteger;
import java.util.Arrays;

/**
 * A client frame whose fields are all plain values (strings, numbers, booleans, null), as almost
 * every frame is, read by a scanner of its own into two small arrays. It gives exactly the values
 * Vert.x's {@code Json.decodeValue} gives (Integer, Long or BigInteger by size as Jackson picks,
 * Double for fractions), and field names the protocol knows come as constants: parsing was the
 * largest allocation left per chat message, most of it the Jackson parser's own objects.
 *
 * <p>Anything else (a nested object such as {@code data}, an array, anything unusual or invalid,
 * trailing text) is answered with null, and the caller parses the frame as a {@code JsonObject}
 * with Vert.x, errors and all: this scanner only ever accepts what that parser accepts.
 */
final class FlatFrame implements FrameParser.Fields {
  /** Names the protocol uses, so a frame's names cost no string of their own. */
  private static final String[] KNOWN = {"type", "id", "room", "text", "since", "epoch", "data", "nick", "to",
      "before", "limit", "key"};
  /** Longer numbers are left to Jackson, which caps their length. */
  private static final int MAX_NUMBER_CHARS = 100;
  private String[] names = new String[6];
  private Object[] values = new Object[6];
  private int size;

  private final String text;
  private int pos;

  private FlatFrame(String text) {
    this.text = text;
  }

  /** The frame's fields, or null when it is not a flat JSON object. */
  static FlatFrame parse(String text) {
    FlatFrame f = new FlatFrame(text);
    return f.object() ? f : null;
  }

  private boolean object() {
    if (next() != '{') {
      return false;
    }
    int c = next();
    if (c != '}') {
      while (true) {
        if (c != '"') {
          return false;
        }
        String name = string(true);
        if (name == null || next() != ':') {
          return false;
        }
        if (!value(name)) {
          return false;
        }
        c = next();
        if (c == '}') {
          break;
        }
        if (c != ',') {
          return false;
        }
        c = next();
      }
    }
    return next() == -1;
  }

  /** The next character after JSON whitespace, consumed; -1 at the end. */
  private int next() {
    int n = text.length();
    while (pos < n) {
      char c = text.charAt(pos++);
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
        return c;
      }
    }
    return -1;
  }

  private boolean value(String name) {
    int c = next();
    Object v;
    if (c == '"') {
      v = string(false);
      if (v == null) {
        return false;
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      v = number(pos - 1);
      if (v == null) {
        return false;
      }
    } else if (c == 't' && word("rue")) {
      v = Boolean.TRUE;
    } else if (c == 'f' && word("alse")) {
      v = Boolean.FALSE;
    } else if (c == 'n' && word("ull")) {
      v = null;
    } else {
      return false;
    }
    add(name, v);
    return true;
  }

  private boolean word(String rest) {
    if (!text.startsWith(rest, pos)) {
      return false;
    }
    pos += rest.length();
    return true;
  }

  /** A string's value after its opening quote, or null when it is not a valid JSON string. */
  private String string(boolean isName) {
    int start = pos;
    int n = text.length();
    for (int i = start; i < n; i++) {
      char c = text.charAt(i);
      if (c == '"') {
        pos = i + 1;
        return isName ? name(start, i) : text.substring(start, i);
      }
      if (c == '\\') {
        return escaped(start, i);
      }
      if (c < 0x20) {
        return null;
      }
    }
    return null;
  }

  private String name(int start, int end) {
    int len = end - start;
    for (String k : KNOWN) {
      if (k.length() == len && text.startsWith(k, start)) {
        return k;
      }
    }
    return text.substring(start, end);
  }

  /** The rest of a string that holds escapes, from its first backslash at {@code i}. */
  private String escaped(int start, int i) {
    StringBuilder sb = new StringBuilder(text.length() - start).append(text, start, i);
    int n = text.length();
    while (i < n) {
      char c = text.charAt(i++);
      if (c == '"') {
        pos = i;
        return sb.toString();
      }
      if (c < 0x20) {
        return null;
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (i >= n) {
        return null;
      }
      char e = text.charAt(i++);
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (i + 4 > n) {
            return null;
          }
          int u = 0;
          for (int k = 0; k < 4; k++) {
            int d = hex(text.charAt(i++));
            if (d < 0) {
              return null;
            }
            u = u << 4 | d;
          }
          sb.append((char) u);
        }
        default -> {
          return null;
        }
      }
    }
    return null;
  }

  /**
   * A JSON number starting at {@code start}: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, as the
   * type Jackson gives it. Null when it is not one (Jackson then says why).
   */
  private Object number(int start) {
    int n = text.length();
    int i = start;
    if (text.charAt(i) == '-') {
      i++;
    }
    int digitsStart = i;
    i = digits(i);
    int intDigits = i - digitsStart;
    if (intDigits == 0 || (intDigits > 1 && text.charAt(digitsStart) == '0')) {
      return null;
    }
    boolean fraction = false;
    if (i < n && text.charAt(i) == '.') {
      int f = digits(i + 1);
      if (f == i + 1) {
        return null;
      }
      i = f;
      fraction = true;
    }
    if (i < n && (text.charAt(i) == 'e' || text.charAt(i) == 'E')) {
      i++;
      if (i < n && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
        i++;
      }
      int e = digits(i);
      if (e == i) {
        return null;
      }
      i = e;
      fraction = true;
    }
    if (i - start > MAX_NUMBER_CHARS) {
      return null;
    }
    pos = i;
    String s = text.substring(start, i);
    if (fraction) {
      return Double.parseDouble(s);
    }
    // Jackson's choice: int up to 9 digits (or 10 that fit), long up to 18 (or 19 that fit), else BigInteger.
    if (intDigits <= 18) {
      long l = Long.parseLong(s);
      return l == (int) l ? (Object) Integer.valueOf((int) l) : (Object) Long.valueOf(l);
    }
    BigInteger big = new BigInteger(s);
    return big.bitLength() < 64 ? (Object) big.longValue() : big;
  }

  /** An ASCII hex digit's value, else -1 ({@code Character.digit} would take other scripts' digits too). */
  private static int hex(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    return c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }

  private int digits(int i) {
    int n = text.length();
    while (i < n && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    return i;
  }

  private void add(String name, Object value) {
    if (size == names.length) {
      names = Arrays.copyOf(names, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    names[size] = name;
    values[size++] = value;
  }

  /** The names read, each once (for tests, which compare them with a JSON object's). */
  java.util.Set<String> names() {
    return new java.util.HashSet<>(Arrays.asList(names).subList(0, size));
  }

  /** The field's value; as in a JSON object, the last of repeated names wins. */
  @Override
  public Object get(String name) {
    for (int i = size - 1; i >= 0; i--) {
      if (names[i].equals(name)) {
        return values[i];
      }
    }
    return null;
  }
}
