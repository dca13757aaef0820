package io.roomcast.chat;

import io.roomcast.protocol.EncodedFrame;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form {@link ChatCodecs} writes between nodes: length-prefixed strings and byte arrays,
 * fixed-width numbers, and an encoded frame as its bytes.
 */
final class ChatWire {
  private static final byte FIELD_NULL = 0;
  private static final byte FIELD_STRING = 1;
  private static final byte FIELD_INT = 2;
  private static final byte FIELD_LONG = 3;
  private static final byte FIELD_BOOLEAN = 4;

  private ChatWire() {
  }

  /** Appends fields; a null string or object is written as length -1. */
  record Writer(Buffer b) {
    Writer bytes(byte[] v) {
      if (v == null) {
        b.appendInt(-1);
      } else {
        b.appendInt(v.length).appendBytes(v);
      }
      return this;
    }

    Writer str(String v) {
      return bytes(v == null ? null : v.getBytes(StandardCharsets.UTF_8));
    }

    Writer json(JsonObject v) {
      return bytes(v == null ? null : v.toBuffer().getBytes());
    }

    Writer frame(EncodedFrame f) {
      return bytes(f.bytes());
    }

    /**
     * An answer's fields: when all are strings, integers, booleans or null (a send's ack, the
     * answer to every frame a chat message needs), each as its name, a tag and its value, so that no
     * JSON is built or parsed per message; any other object as JSON. Integer and Long stay what they were.
     */
    Writer fields(JsonObject v) {
      if (v == null) {
        return integer(-1);
      }
      for (Object value : v.getMap().values()) {
        if (value != null && !(value instanceof String) && !(value instanceof Integer) && !(value instanceof Long)
            && !(value instanceof Boolean)) {
          return integer(-2).json(v);
        }
      }
      integer(v.size());
      for (var e : v.getMap().entrySet()) {
        str(e.getKey());
        Object value = e.getValue();
        if (value == null) {
          b.appendByte(FIELD_NULL);
        } else if (value instanceof String t) {
          b.appendByte(FIELD_STRING);
          str(t);
        } else if (value instanceof Integer n) {
          b.appendByte(FIELD_INT).appendInt(n);
        } else if (value instanceof Long n) {
          b.appendByte(FIELD_LONG).appendLong(n);
        } else {
          b.appendByte(FIELD_BOOLEAN);
          bool((Boolean) value);
        }
      }
      return this;
    }

    Writer integer(int n) {
      b.appendInt(n);
      return this;
    }

    Writer frames(List<EncodedFrame> frames) {
      b.appendInt(frames.size());
      frames.forEach(this::frame);
      return this;
    }

    Writer bool(boolean v) {
      b.appendByte((byte) (v ? 1 : 0));
      return this;
    }

    Writer num(long v) {
      b.appendLong(v);
      return this;
    }
  }

  static final class Reader {
    private final Buffer b;
    private int pos;

    Reader(Buffer b, int pos) {
      this.b = b;
      this.pos = pos;
    }

    byte[] bytes() {
      int len = b.getInt(pos);
      pos += 4;
      if (len < 0) {
        return null;
      }
      byte[] v = b.getBytes(pos, pos + len);
      pos += len;
      return v;
    }

    String str() {
      byte[] v = bytes();
      return v == null ? null : new String(v, StandardCharsets.UTF_8);
    }

    JsonObject json() {
      byte[] v = bytes();
      return v == null ? null : new JsonObject(Buffer.buffer(v));
    }

    EncodedFrame frame() {
      return EncodedFrame.ofBytes(bytes());
    }

    /** What {@link Writer#fields} wrote. */
    JsonObject fields() {
      int n = integer();
      if (n == -1) {
        return null;
      }
      if (n == -2) {
        return json();
      }
      JsonObject v = new JsonObject();
      for (int i = 0; i < n; i++) {
        String name = str();
        byte tag = b.getByte(pos++);
        v.put(name, switch (tag) {
          case FIELD_NULL -> null;
          case FIELD_STRING -> str();
          case FIELD_INT -> integer();
          case FIELD_LONG -> num();
          case FIELD_BOOLEAN -> bool();
          default -> throw new IllegalStateException("unknown field type " + tag + " in an answer");
        });
      }
      return v;
    }

    int integer() {
      int n = b.getInt(pos);
      pos += 4;
      return n;
    }

    List<EncodedFrame> frames() {
      int n = integer();
      List<EncodedFrame> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        out.add(frame());
      }
      return out;
    }

    boolean bool() {
      return b.getByte(pos++) != 0;
    }

    long num() {
      long v = b.getLong(pos);
      pos += 8;
      return v;
    }
  }
}
