package io.roomcast.protocol;

import io.netty.util.concurrent.FastThreadLocal;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a frame as UTF-8 JSON, byte for byte as Vert.x's Jackson codec writes it, into one scratch
 * array per thread. A Jackson generator costs about five objects and a recycled buffer per frame, and
 * every chat message is encoded twice (the broadcast and the sender's ack): that made encoding one of
 * the largest allocators per message, and every allocation brings the next young collection (a pause
 * every client waits through) closer.
 *
 * <p>It knows the values frames hold: strings, booleans, null, integers, finite floating-point numbers,
 * and objects and arrays of those. For anything else it answers null and the caller lets Jackson encode the frame (or refuse it), so every frame comes out
 * exactly as before.
 */
final class FrameJson {
  private static final FastThreadLocal<FrameJson> PER_THREAD = new FastThreadLocal<>() {
    @Override
    protected FrameJson initialValue() {
      return new FrameJson();
    }
  };
  /** A scratch array grown past this (a long message) is not kept for the next frame. */
  private static final int KEEP = 64 * 1024;
  private static final byte[] HEX = bytes("0123456789ABCDEF");
  private static final byte[] NULL = {'n', 'u', 'l', 'l'};
  private static final byte[] TRUE = {'t', 'r', 'u', 'e'};
  private static final byte[] FALSE = {'f', 'a', 'l', 's', 'e'};
  private static final byte[] MESSAGE = bytes("{\"type\":\"message\",\"room\":");
  private static final byte[] SEQ = bytes(",\"seq\":");
  private static final byte[] FROM = bytes(",\"from\":");
  private static final byte[] TEXT = bytes(",\"text\":");
  private static final byte[] TS = bytes(",\"ts\":");
  private static final byte[] KEY = bytes(",\"key\":");
  private static final byte[] DATA = bytes(",\"data\":");
  private static final byte[] ACK = bytes("{\"type\":\"ack\",\"id\":");

  /** Thrown (without a stack trace) for what only Jackson writes right. */
  private static final class Unsupported extends RuntimeException {
    Unsupported() {
      super(null, null, false, false);
    }
  }

  private static final Unsupported UNSUPPORTED = new Unsupported();

  private byte[] buf = new byte[512];
  private int len;

  private FrameJson() {
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The frame's bytes, or null when Jackson must write it. */
  static byte[] encode(JsonObject frame) {
    FrameJson w = start();
    try {
      w.object(frame.getMap());
      return w.done();
    } catch (Unsupported e) {
      return null;
    } finally {
      w.trim();
    }
  }

  /**
   * {@link Frames#message}'s bytes, written from its fields: a message is the frame sent most, and
   * the map its JSON object would need is as big again as the bytes.
   */
  static byte[] message(String room, long seq, String from, String text, String key, JsonObject data, long ts) {
    FrameJson w = start();
    try {
      w.raw(MESSAGE);
      w.value(room);
      w.raw(SEQ);
      w.integer(seq);
      w.raw(FROM);
      w.value(from);
      w.raw(TEXT);
      w.value(text);
      w.raw(TS);
      w.integer(ts);
      if (key != null) {
        w.raw(KEY);
        w.value(key);
      }
      if (data != null) {
        w.raw(DATA);
        w.object(data.getMap());
      }
      w.put((byte) '}');
      return w.done();
    } catch (Unsupported e) {
      return null;
    } finally {
      w.trim();
    }
  }

  /**
   * {@link Frames#ack}'s bytes, written from the id and the chat's fields; null when Jackson must
   * write it, or when the fields would replace the type or id (the object's merge would keep their place).
   */
  static byte[] ack(Object id, JsonObject fields) {
    FrameJson w = start();
    try {
      w.raw(ACK);
      w.value(id);
      if (fields != null) {
        if (fields.containsKey("type") || fields.containsKey("id")) {
          return null;
        }
        w.members(fields.getMap(), false);
      }
      w.put((byte) '}');
      return w.done();
    } catch (Unsupported e) {
      return null;
    } finally {
      w.trim();
    }
  }

  private static FrameJson start() {
    FrameJson w = PER_THREAD.get();
    w.len = 0;
    return w;
  }

  private byte[] done() {
    return Arrays.copyOf(buf, len);
  }

  private void trim() {
    if (buf.length > KEEP) {
      buf = new byte[512];
    }
  }

  private void object(Map<String, Object> map) {
    put((byte) '{');
    members(map, true);
    put((byte) '}');
  }

  /** An object's {@code "name":value} pairs, comma-separated; {@code first}: nothing precedes them. */
  private void members(Map<String, Object> map, boolean first) {
    for (Map.Entry<String, Object> e : map.entrySet()) {
      if (!first) {
        put((byte) ',');
      }
      first = false;
      string(e.getKey());
      put((byte) ':');
      value(e.getValue());
    }
  }

  private void array(List<?> list) {
    put((byte) '[');
    for (int i = 0; i < list.size(); i++) {
      if (i > 0) {
        put((byte) ',');
      }
      value(list.get(i));
    }
    put((byte) ']');
  }

  @SuppressWarnings("unchecked")
  private void value(Object v) {
    if (v == null) {
      raw(NULL);
    } else if (v instanceof String s) {
      string(s);
    } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
      integer(((Number) v).longValue());
    } else if (v instanceof Boolean b) {
      raw(b ? TRUE : FALSE);
    } else if (v instanceof JsonObject o) {
      object(o.getMap());
    } else if (v instanceof JsonArray a) {
      array(a.getList());
    } else if (v instanceof Map<?, ?> m) {
      object((Map<String, Object>) m);
    } else if (v instanceof List<?> l) {
      array(l);
    } else if (v instanceof Double d && Double.isFinite(d)) {
      ascii(Double.toString(d)); // what Jackson writes for a double
    } else if (v instanceof Float f && Float.isFinite(f)) {
      ascii(Float.toString(f));
    } else if (v instanceof BigInteger || v instanceof BigDecimal) {
      ascii(v.toString());
    } else {
      throw UNSUPPORTED;
    }
  }

  /**
   * Jackson's escaping: quote, backslash, control characters and surrogates (emoji come out as two
   * escapes); everything else as UTF-8.
   */
  private void string(String s) {
    int n = s.length();
    ensure(n * 3 + 2);
    byte[] b = buf;
    int at = len;
    b[at++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          b[at++] = (byte) c;
          continue;
        }
        // Escapes take up to six bytes for one character.
        len = at;
        ensure(6 + (n - i) * 3 + 1);
        b = buf;
        at = escape(b, at, c);
      } else if (c < 0x800) {
        b[at++] = (byte) (0xC0 | c >> 6);
        b[at++] = (byte) (0x80 | c & 0x3F);
      } else if (Character.isSurrogate(c)) {
        // Jackson's UTF-8 generator escapes each half of a pair (and a lone half) in six bytes.
        len = at;
        ensure(6 + (n - i) * 3 + 1);
        b = buf;
        at = escape(b, at, c);
      } else {
        b[at++] = (byte) (0xE0 | c >> 12);
        b[at++] = (byte) (0x80 | c >> 6 & 0x3F);
        b[at++] = (byte) (0x80 | c & 0x3F);
      }
    }
    b[at++] = '"';
    len = at;
  }

  private static int escape(byte[] b, int at, char c) {
    b[at++] = '\\';
    switch (c) {
      case '"' -> b[at++] = '"';
      case '\\' -> b[at++] = '\\';
      case '\b' -> b[at++] = 'b';
      case '\t' -> b[at++] = 't';
      case '\n' -> b[at++] = 'n';
      case '\f' -> b[at++] = 'f';
      case '\r' -> b[at++] = 'r';
      default -> {
        b[at++] = 'u';
        b[at++] = HEX[c >> 12];
        b[at++] = HEX[c >> 8 & 0xF];
        b[at++] = HEX[c >> 4 & 0xF];
        b[at++] = HEX[c & 0xF];
      }
    }
    return at;
  }

  private void integer(long v) {
    if (v == Long.MIN_VALUE) {
      ascii(Long.toString(v));
      return;
    }
    ensure(20);
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int digits = 1;
    for (long t = v; t >= 10; t /= 10) {
      digits++;
    }
    int end = len + digits;
    for (int at = end - 1; at >= len; at--) {
      buf[at] = (byte) ('0' + v % 10);
      v /= 10;
    }
    len = end;
  }

  private void ascii(String s) {
    ensure(s.length());
    for (int i = 0; i < s.length(); i++) {
      buf[len++] = (byte) s.charAt(i);
    }
  }

  private void raw(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
  }

  private void put(byte b) {
    ensure(1);
    buf[len++] = b;
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }
}
